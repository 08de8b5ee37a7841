"""The pytest plugin `memoram_pytest` (helpers: `memoram_async.testing`), run through pytester."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from importlib.metadata import entry_points

import pytest

pytest_plugins = ["pytester"]

INI = """
[pytest]
asyncio_mode = {mode}
asyncio_default_fixture_loop_scope = function
filterwarnings = error
addopts = --strict-markers -p no:cacheprovider -p no:randomly {plugins}
"""
# This project's own test tools, which a user's project does not have: loading schemathesis and
# hypothesis would cost each child pytest about 2.5 s.
NOT_THE_USERS = "-p no:schemathesis -p no:hypothesispytest"

LOCAL_TESTS = """
import asyncio

import pytest

from memoram_async import AccessDeniedError, ApprovalPendingError, MemoramClient
from memoram_async.testing import MemoramLocal


async def test_approved_user_round_trip(memoram_local: MemoramLocal) -> None:
    user = await memoram_local.approved_user()
    created = await user.create_memory("Likes green tea", tags=["drinks"])
    assert (await user.get_memory(created.id)).content == "Likes green tea"
    assert [m.content async for m in user.list_memories(tags=["drinks"])] == ["Likes green tea"]
    assert memoram_local.stats.memories_created == 1
    assert memoram_local.base_url.startswith("http://127.0.0.1:")


async def test_reject_and_revoke(memoram_local: MemoramLocal) -> None:
    client = memoram_local.client
    rejected = await client.request_access("mk_alice", reason="test")
    await memoram_local.reject(rejected)
    with pytest.raises(AccessDeniedError):
        await client.wait_for_approval(rejected.id, timeout=5)

    granted = await client.request_access("mk_bob", reason="test")
    with pytest.raises(ApprovalPendingError):
        await client.get_credentials(granted.id)
    await memoram_local.approve(granted.id)
    await client.get_credentials(granted.id)
    await memoram_local.revoke(granted)
    with pytest.raises(AccessDeniedError):
        await client.get_credentials(granted.id)


async def test_approve_next_unblocks_code_that_waits(memoram_local: MemoramLocal) -> None:
    async def app_connects() -> str:
        async with MemoramClient() as client:  # from the environment the fixture set
            request = await client.request_access("mk_carol", reason="test")
            await client.wait_for_approval(request.id, timeout=10)
            return request.id

    task = asyncio.create_task(app_connects())
    approved = await memoram_local.approve_next(timeout=10)
    assert await task == approved
    assert await memoram_local.pending() == []


async def test_rotate_key(memoram_local: MemoramLocal) -> None:
    user = await memoram_local.approved_user("mk_dave")
    assert await memoram_local.rotate_key(user) == 2


@pytest.mark.memoram_local(auto_approve=True)
async def test_marker_configures_the_server(memoram_local: MemoramLocal) -> None:
    request = await memoram_local.client.request_access("mk_erin", reason="test")
    assert (await memoram_local.client.get_access_request(request.id)).status == "approved"
"""

RESPX_TESTS = """
import httpx
import pytest

from memoram_async import MemoramClient, NotFoundError, RateLimitError
from memoram_async.testing import MemoramRespx


async def test_get_memory_decrypts_a_built_body(memoram_respx: MemoramRespx) -> None:
    memoram_respx.router.get("/memory-blobs/mem_1").respond(
        json=memoram_respx.memory("Likes tea", id="mem_1", tags=["drinks"])
    )
    memory = await memoram_respx.user.get_memory("mem_1")
    assert (memory.content, memory.tags) == ("Likes tea", ("drinks",))
    assert memoram_respx.token_route.call_count == 1


async def test_pages_and_errors(memoram_respx: MemoramRespx) -> None:
    route = memoram_respx.router.get("/memory-blobs")
    route.side_effect = [
        httpx.Response(200, json=memoram_respx.page([memoram_respx.memory("a")], next_cursor="2")),
        httpx.Response(200, json=memoram_respx.page([memoram_respx.memory("b")])),
    ]
    assert [m.content async for m in memoram_respx.user.list_memories()] == ["a", "b"]
    memoram_respx.router.get("/memory-blobs/gone").mock(
        return_value=memoram_respx.error(404, "no such memory")
    )
    with pytest.raises(NotFoundError):
        await memoram_respx.user.get_memory("gone")
    memoram_respx.router.get("/tags").mock(
        return_value=memoram_respx.error(429, headers={"Retry-After": "120"})
    )
    with pytest.raises(RateLimitError):
        await memoram_respx.user.list_tags()


async def test_approved_access_runs_the_whole_flow(memoram_respx: MemoramRespx) -> None:
    memoram_respx.approved_access()
    async with MemoramClient() as client:  # from the environment the fixture set
        request = await client.request_access("mk_user", reason="test")
        await client.wait_for_approval(request.id, timeout=5)
        credentials = await client.get_credentials(request.id)
    assert credentials == memoram_respx.credentials
    memoram_respx.router.post("/memory-blobs").respond(201, json=memoram_respx.memory(None))
    created = await memoram_respx.user.create_memory("x")
    sent = memoram_respx.router.routes[-1].calls.last.request
    assert b"mrm1." in sent.content and b'"x"' not in sent.content
    assert created.content == "x"


async def test_unrouted_calls_fail(memoram_respx: MemoramRespx) -> None:
    with pytest.raises(Exception, match="not mocked"):
        await memoram_respx.user.list_tags()
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """A user's project: an ini in asyncio auto mode, warnings as errors."""
    pytester.makeini(INI.format(mode="auto", plugins=NOT_THE_USERS))
    return pytester


def test_entry_point_registers_the_plugin() -> None:
    """Installing memoram-async registers memoram_pytest under pytest11, named memoram_async."""
    points = {e.name: e.value for e in entry_points(group="pytest11")}
    assert points.get("memoram_async") == "memoram_pytest"


def test_loading_the_plugin_imports_nothing_of_the_sdk() -> None:
    """`import memoram_pytest` (what pytest does at startup) imports no memoram_async module."""
    code = (
        "import sys, memoram_pytest\n"
        "ours = ('memoram_async', 'memoram_api')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ours))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"


def test_pytest_starts_without_importing_the_sdk(pytester: pytest.Pytester) -> None:
    """With every autoloaded plugin in place, memoram_async is first imported by a test.

    This is what lets pytest-cov, which starts after the plugins load, measure the SDK.
    """
    pytester.makeini(INI.format(mode="auto", plugins=""))
    pytester.makeconftest(
        "import sys\n"
        "def pytest_configure(config):\n"
        "    config.sdk_at_start = [m for m in sys.modules if m.startswith('memoram_async')]\n"
    )
    pytester.makepyfile(
        test_start=textwrap.dedent(
            """
            import memoram_async.testing

            def test_sdk_was_not_loaded_at_startup(pytestconfig):
                assert pytestconfig.sdk_at_start == []
                assert pytestconfig.pluginmanager.get_plugin("memoram_async") is not None

            async def test_fixture_still_there(memoram_respx):
                assert memoram_respx.base_url == memoram_async.testing.FAKE_BASE_URL
            """
        )
    )
    result = pytester.runpytest_subprocess("-q")
    result.assert_outcomes(passed=2)


def test_the_plugin_listed_in_pytest_plugins_works_without_autoloading(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With plugin autoloading off, `pytest_plugins = ["memoram_pytest"]` brings the fixtures
    and the marker: the one place they are defined (memoram_async.testing has none)."""
    import memoram_async.testing

    assert not hasattr(memoram_async.testing, "memoram_respx")
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    pytester.makeini(INI.format(mode="auto", plugins=NOT_THE_USERS))
    pytester.makeconftest('pytest_plugins = ["memoram_pytest"]\n')
    pytester.makepyfile(
        test_listed=textwrap.dedent(
            """
            import pytest

            from memoram_async.testing import FAKE_BASE_URL

            @pytest.mark.memoram_local(auto_approve=True)
            async def test_fixture_and_marker(memoram_respx):
                assert memoram_respx.base_url == FAKE_BASE_URL
            """
        )
    )
    result = pytester.runpytest_subprocess("-q", "-p", "pytest_asyncio.plugin")
    result.assert_outcomes(passed=1)


def test_memoram_local_fixture(project: pytest.Pytester) -> None:
    """memoram_local: real server, approve/reject/revoke/approve_next, env, marker."""
    project.makepyfile(test_local=LOCAL_TESTS)
    result = project.runpytest_subprocess("-q")
    result.assert_outcomes(passed=5)


REJECT_NEXT_TESTS = """
import asyncio

import pytest

from memoram_async import AccessDeniedError, MemoramClient


async def test_reject_next_refuses_what_the_app_waits_for(memoram_local) -> None:
    async def app_connects() -> str:
        async with MemoramClient() as client:  # from the environment the fixture set
            request = await client.request_access("mk_frank", reason="test")
            await client.wait_for_approval(request.id, timeout=10)
            return request.id

    task = asyncio.create_task(app_connects())
    rejected = await memoram_local.reject_next(timeout=10)
    with pytest.raises(AccessDeniedError):
        await task
    assert await memoram_local.pending() == []
    request = await memoram_local.client.get_access_request(rejected)
    assert request.status == "rejected"


async def test_reject_next_times_out_when_nothing_is_pending(memoram_local) -> None:
    with pytest.raises(TimeoutError):
        await memoram_local.reject_next(timeout=0.2)
"""


def test_reject_next(project: pytest.Pytester) -> None:
    """reject_next() waits for the app's pending request, rejects it, and times out on none."""
    project.makepyfile(test_reject_next=REJECT_NEXT_TESTS)
    result = project.runpytest_subprocess("-q")
    result.assert_outcomes(passed=2)


def test_memoram_respx_fixture(project: pytest.Pytester) -> None:
    """memoram_respx: token routed, valid encrypted bodies, errors, unrouted calls fail."""
    project.makepyfile(test_mocked=RESPX_TESTS)
    result = project.runpytest_subprocess("-q")
    result.assert_outcomes(passed=4)


def test_fixtures_work_in_strict_asyncio_mode(pytester: pytest.Pytester) -> None:
    """The fixtures are pytest-asyncio fixtures: strict mode needs no extra setup."""
    pytester.makeini(INI.format(mode="strict", plugins=NOT_THE_USERS))
    pytester.makepyfile(
        test_strict=textwrap.dedent(
            """
            import pytest

            @pytest.mark.asyncio
            async def test_local(memoram_local):
                user = await memoram_local.approved_user()
                assert (await user.create_memory("s")).content == "s"

            @pytest.mark.asyncio
            async def test_respx(memoram_respx):
                memoram_respx.router.get("/tags").respond(json={"items": [memoram_respx.tag("t")]})
                assert [t.name for t in await memoram_respx.user.list_tags()] == ["t"]
            """
        )
    )
    result = pytester.runpytest_subprocess("-q")
    result.assert_outcomes(passed=2)


def test_missing_local_extra_fails_with_an_install_hint(project: pytest.Pytester) -> None:
    """Without starlette, memoram_local fails with the pip command, not an import traceback."""
    project.makeconftest("import sys\nsys.modules['starlette'] = None\n")
    project.makepyfile(
        test_no_extra="async def test_it(memoram_local):\n    pass\n"
        "def test_plain():\n    import memoram_async.testing\n"
    )
    result = project.runpytest_subprocess("-q")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*pip install 'memoram-async?local?'*missing module: starlette*"])
    result.stdout.no_fnmatch_line("*During handling*")


def test_bad_marker_arguments_are_a_usage_error(project: pytest.Pytester) -> None:
    """The marker takes keyword options only; an unknown option is reported, not ignored."""
    project.makepyfile(
        test_marker=textwrap.dedent(
            """
            import pytest

            @pytest.mark.memoram_local(no_such_option=1)
            async def test_it(memoram_local):
                pass
            """
        )
    )
    result = project.runpytest_subprocess("-q")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*no_such_option*"])


def test_importing_the_plugin_loads_no_optional_dependency() -> None:
    """`import memoram_async.testing` imports neither the local server's stack nor respx."""
    code = (
        "import sys, memoram_async.testing\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in "
        "('starlette', 'uvicorn', 'jwt', 'respx', 'memoram_local')"
        " or m.startswith('memoram_local')]\n"
        "print(heavy)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"
