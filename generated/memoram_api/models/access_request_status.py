from typing import Literal

AccessRequestStatus = Literal["approved", "pending", "rejected", "revoked"]

ACCESS_REQUEST_STATUS_VALUES: set[AccessRequestStatus] = {
    "approved",
    "pending",
    "rejected",
    "revoked",
}


def check_access_request_status(value: str) -> AccessRequestStatus:
    if value in ACCESS_REQUEST_STATUS_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {ACCESS_REQUEST_STATUS_VALUES!r}"
    )
