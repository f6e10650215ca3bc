"""Organisation and group listing against local mocks of the GitHub and GitLab REST APIs."""
from __future__ import annotations

import time

import pytest
from pytest_httpserver import HTTPServer

from leakscan.scale.forges import ForgeError, ForgeQuery, list_repositories


def _github_repo(name: str, archived: bool = False, fork: bool = False) -> dict[str, object]:
    return {"full_name": f"acme/{name}", "clone_url": f"https://github.example/acme/{name}.git",
            "archived": archived, "fork": fork}


def _gitlab_project(name: str, archived: bool = False, forked: bool = False) -> dict[str, object]:
    project: dict[str, object] = {"path_with_namespace": f"acme/{name}", "archived": archived,
                                  "http_url_to_repo": f"https://gitlab.example/acme/{name}.git"}
    if forked:
        project["forked_from_project"] = {"id": 1}
    return project


def test_github_follows_link_pages_filters_and_sends_the_token(httpserver: HTTPServer,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "test-token-value")
    page2 = httpserver.url_for("/orgs/acme/repos") + "?per_page=100&type=all&page=2"
    httpserver.expect_ordered_request("/orgs/acme/repos", query_string="per_page=100&type=all",
                                      headers={"Authorization": "Bearer test-token-value"}).respond_with_json(
        [_github_repo("api"), _github_repo("old", archived=True)], headers={"Link": f'<{page2}>; rel="next"'})
    httpserver.expect_ordered_request("/orgs/acme/repos", query_string="per_page=100&type=all&page=2"
                                      ).respond_with_json([_github_repo("web"), _github_repo("copy", fork=True)])
    query = ForgeQuery("github", "acme", httpserver.url_for("/"))
    assert [t.name for t in list_repositories(query)] == ["acme/api", "acme/web"]
    both = ForgeQuery("github", "acme", httpserver.url_for("/"), include_archived=True, include_forks=True)
    httpserver.clear()
    httpserver.expect_request("/orgs/acme/repos").respond_with_json(
        [_github_repo("api"), _github_repo("old", archived=True), _github_repo("copy", fork=True)])
    targets = list_repositories(both)
    assert [t.name for t in targets] == ["acme/api", "acme/old", "acme/copy"]
    assert targets[0].location == "https://github.example/acme/api.git" and targets[0].forge == "github"


def test_github_rate_limit_reset_is_waited_out(httpserver: HTTPServer) -> None:
    reset = int(time.time()) + 7
    httpserver.expect_ordered_request("/orgs/acme/repos").respond_with_json(
        {"message": "API rate limit exceeded"}, status=403,
        headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)})
    httpserver.expect_ordered_request("/orgs/acme/repos").respond_with_json([_github_repo("api")])
    waits: list[float] = []
    targets = list_repositories(ForgeQuery("github", "acme", httpserver.url_for("/")), sleep=waits.append)
    assert [t.name for t in targets] == ["acme/api"]
    assert len(waits) == 1 and 5 <= waits[0] <= 9


def test_a_forbidden_answer_that_is_no_rate_limit_fails_with_its_status(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/orgs/acme/repos").respond_with_json({"message": "Bad credentials"}, status=401)
    with pytest.raises(ForgeError, match="HTTP 401"):
        list_repositories(ForgeQuery("github", "acme", httpserver.url_for("/")), sleep=lambda s: None)


def test_a_reset_further_away_than_max_wait_fails(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/orgs/acme/repos").respond_with_data(
        "", status=429, headers={"Retry-After": "3600"})
    with pytest.raises(ForgeError, match="rate limited"):
        list_repositories(ForgeQuery("github", "acme", httpserver.url_for("/"), max_wait=60), sleep=lambda s: None)


def test_gitlab_follows_x_next_page_waits_on_429_and_filters(httpserver: HTTPServer,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITLAB_TOKEN", "gl-test-token")
    base = "/groups/acme/platform/projects"  # the server decodes acme%2Fplatform
    first = "per_page=100&include_subgroups=true"
    httpserver.expect_ordered_request(base, query_string=first, headers={"PRIVATE-TOKEN": "gl-test-token"}
                                      ).respond_with_json(
        [_gitlab_project("svc"), _gitlab_project("fork", forked=True)], headers={"X-Next-Page": "2"})
    httpserver.expect_ordered_request(base, query_string=f"{first}&page=2").respond_with_data(
        "", status=429, headers={"Retry-After": "2"})
    httpserver.expect_ordered_request(base, query_string=f"{first}&page=2").respond_with_json(
        [_gitlab_project("legacy", archived=True), _gitlab_project("ui")], headers={"X-Next-Page": ""})
    waits: list[float] = []
    targets = list_repositories(ForgeQuery("gitlab", "acme/platform", httpserver.url_for("/")), sleep=waits.append)
    assert [t.name for t in targets] == ["acme/svc", "acme/ui"]
    assert waits == [2.0]
    assert targets[0].location == "https://gitlab.example/acme/svc.git" and targets[0].forge == "gitlab"
