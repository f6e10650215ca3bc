"""Nothing leaks through locations, headings, suggestions or errors (issue 19.1)."""
from __future__ import annotations

import json
import random
import string

import pytest
from click.testing import CliRunner

from leakscan.cli import cli
from leakscan.masking.sanitize import Sanitizer
from leakscan.model import MaskSpec

from .conftest import fake_github_token


def _alnum(rng: random.Random, n: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def fake_slack_bot_token(seed: int) -> str:
    rng = random.Random(seed)
    return f"xoxb-{rng.randrange(10**10, 10**11)}-{rng.randrange(10**10, 10**11)}-{_alnum(rng, 24)}"


def fake_telegram_token(seed: int) -> str:
    rng = random.Random(seed)
    return f"{rng.randrange(10**9, 10**10)}:AA{_alnum(rng, 33, string.ascii_letters + string.digits + '_-')}"


def fake_slack_webhook(seed: int) -> str:
    rng = random.Random(seed)
    upper = string.ascii_uppercase + string.digits
    return f"https://hooks.slack.com/services/T{_alnum(rng, 10, upper)}/B{_alnum(rng, 10, upper)}/{_alnum(rng, 24)}"


def outputs(target) -> dict[str, str]:
    out = {}
    for fmt in ("text", "json", "sarif"):
        result = CliRunner().invoke(cli, ["scan", str(target), "--format", fmt, "--no-progress", "--verbose"]
                                    if fmt == "text" else ["scan", str(target), "--format", fmt, "--no-progress"])
        assert result.exit_code in (0, 1), result.output
        out[fmt] = result.output
    return out


def assert_nowhere(secrets: list[str], outs: dict[str, str]) -> None:
    for fmt, text in outs.items():
        for secret in secrets:
            core = secret.split("/")[-1] if secret.startswith("https://") else secret
            assert core[-16:] not in text, f"{fmt} report leaks {core[:6]}…"


def test_a_token_used_as_a_json_key_is_masked_in_pointers_suggestions_and_sarif(tmp_path):
    token = fake_github_token(90)
    path = tmp_path / "sessions.json"
    path.write_text(json.dumps({"sessions": {token: {"name": "Jo", "ssn": "536-22-6789"}}}, indent=2))
    outs = outputs(path)
    assert_nowhere([token], outs)
    (finding,) = [f for f in json.loads(outs["json"])["findings"] if f["rule_id"].startswith("pii.ssn")]
    pointer = finding["location"]["pointer"]
    assert pointer.startswith("/sessions/ghp_") and pointer.endswith("/ssn")
    sarif = json.loads(outs["sarif"])["runs"][0]["results"]
    names = [loc["fullyQualifiedName"] for r in sarif for loc in r["locations"][0].get("logicalLocations", [])]
    assert any(name.startswith("/sessions/ghp_") and "*" in name for name in names)


def test_openapi_path_key_with_a_token_in_its_query_is_masked(tmp_path):
    token = fake_slack_bot_token(91)
    spec = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {f"/v1/items?token={token}": {"get": {"responses": {"200": {
                "description": "ok", "content": {"application/json": {"schema": {"type": "object", "properties": {
                    "ssn": {"type": "string"}, "email": {"type": "string", "format": "email"}}}}}}}}}}}
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(spec, indent=2))
    outs = outputs(path)
    assert json.loads(outs["json"])["findings"], "the spec should give findings for the check to mean anything"
    assert_nowhere([token], outs)


def _entry(url: str, body: dict) -> dict:
    return {"startedDateTime": "2026-01-01T00:00:00Z", "time": 1,
            "request": {"method": "POST", "url": url, "httpVersion": "HTTP/1.1", "headers": [], "queryString": [],
                        "cookies": [], "headersSize": -1, "bodySize": 0},
            "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "headers": [], "cookies": [],
                         "content": {"size": 0, "mimeType": "application/json", "text": json.dumps(body)},
                         "redirectURL": "", "headersSize": -1, "bodySize": 0},
            "cache": {}, "timings": {"send": 0, "wait": 1, "receive": 0}}


def test_capture_headings_with_tokens_in_url_paths_are_masked(tmp_path):
    bot, hook = fake_telegram_token(92), fake_slack_webhook(93)
    har = {"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": [
        _entry(f"https://api.telegram.org/bot{bot}/sendMessage", {"customer": {"ssn": "536-22-6789"}}),
        _entry(hook, {"owner": {"email": "jane.doe@example.org", "ssn": "412-55-7301"}}),
    ]}}
    path = tmp_path / "capture.har"
    path.write_text(json.dumps(har, indent=2))
    outs = outputs(path)
    assert "api.telegram.org/bot" in outs["text"] and "hooks.slack.com" in outs["text"]
    assert_nowhere([bot, hook], outs)


def test_error_messages_are_masked_and_short():
    token = fake_github_token(94)
    sanitizer = Sanitizer(None, [(token, MaskSpec(keep_prefix=4))])
    from leakscan.masking.sanitize import MAX_ERROR_CHARS, sanitize_error
    from leakscan.model import ScanError

    error = sanitize_error(ScanError("a.yaml", f"not parsed: found ':' near {token}" + " x" * 500), sanitizer)
    assert token[4:] not in error.message and len(error.message) <= MAX_ERROR_CHARS


def test_an_exception_that_quotes_the_document_is_masked_in_the_error_entry(tmp_path, monkeypatch, engine):
    from leakscan.pipeline import tree as pipeline
    from leakscan.sources.files import FileRef

    token = fake_github_token(95)
    path = tmp_path / "app.cfg"
    path.write_text(f"token = {token}\n")

    def failing(chunk, *args, **kwargs):  # a scanner bug whose message repeats what it read
        raise ValueError(f"cannot handle {chunk.text!r}")

    monkeypatch.setattr(pipeline, "scan_chunk", failing)
    result = pipeline.scan_file(FileRef(str(path), "app.cfg"), engine)
    (error,) = result.errors
    assert error.message.startswith("scan failed: ValueError") and token[4:] not in error.message


@pytest.mark.parametrize("text", ["/paths/~1users~1{id}/get", "#3 GET https://api.example.com/v1/orders?page=…",
                                  "pattern pii.ssn.keyed: 0.60"])
def test_ordinary_locations_are_left_alone(text, engine):
    assert Sanitizer(engine).clean(text) == text


def test_exception_text_for_spec_and_history_errors_is_masked_and_short(engine):
    from leakscan.masking.sanitize import MAX_EXCEPTION_CHARS, exception_text

    token = fake_github_token(96)
    text = exception_text(KeyError(f"{token} " + "y" * 1000), engine)
    assert text.startswith("KeyError: ") and token[4:] not in text and len(text) <= MAX_EXCEPTION_CHARS


def test_an_exposure_shown_as_it_is_has_the_token_inside_it_masked(tmp_path):
    bot = fake_telegram_token(97)
    spec = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "servers": [{"url": "https://api.example.com"}],
            "paths": {"/v1/items": {"get": {"responses": {"200": {"description": "ok"}}}}}}
    (tmp_path / "openapi.json").write_text(json.dumps(spec))
    har = {"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": [
        _entry(f"https://api.example.com/bot{bot}/sendMessage", {"ok": True})]}}
    (tmp_path / "capture.har").write_text(json.dumps(har, indent=2))
    result = CliRunner().invoke(cli, ["scan", str(tmp_path / "capture.har"), "--spec", str(tmp_path / "openapi.json"),
                                      "--format", "json", "--no-progress"])
    report = json.loads(result.output[result.output.index("{"):])
    assert any(f["category"] == "exposure" for f in report["findings"]), "the case needs an exposure finding"
    assert bot[-16:] not in result.output


def test_a_place_fingerprint_uses_the_masked_pointer(tmp_path):
    from leakscan.suppression.fingerprint import place_fingerprint, place_of

    path = tmp_path / "people.json"
    path.write_text(json.dumps({"people": {"jane.doe@corpmail.net": {"ssn": "536-22-6789"}}}, indent=2))
    result = CliRunner().invoke(cli, ["scan", str(path), "--format", "json", "--no-progress"])
    (finding,) = [f for f in json.loads(result.output)["findings"] if f["rule_id"].startswith("pii.ssn")]
    pointer = finding["location"]["pointer"]
    assert "jane.doe" not in pointer
    assert finding["fingerprint"] == place_fingerprint(finding["rule_id"], finding["location"]["path"],
                                                       place_of(pointer, finding["location"]["line"]))


def test_the_memo_forgets_past_its_bound_and_answers_the_same() -> None:
    """A capture's findings each print a pointer of their own: the memo does not keep them all (issue 20.2)."""
    from leakscan.masking import sanitize

    secret = "tok_" + "q7Z" * 6
    known = [(secret, MaskSpec())]
    remembering = Sanitizer(None, known)
    texts = [f"/log/entries/{i}/request/headers/{secret if i % 3 == 0 else 'x'}"
             for i in range(sanitize.MEMO_LIMIT + 50)]
    cleaned = [remembering.clean(text) for text in texts]
    assert len(remembering._memo) <= sanitize.MEMO_LIMIT
    assert cleaned == [Sanitizer(None, known).clean(text) for text in texts]
    assert secret not in "".join(cleaned) and cleaned[0] != texts[0] and cleaned[1] == texts[1]
    assert [remembering.clean(text) for text in texts[:10]] == cleaned[:10]  # forgotten, made again the same


def test_known_values_are_looked_for_piece_by_piece_as_in_the_whole_string(monkeypatch) -> None:
    """`_candidates` reads a string's windows piece by piece (words, pointer segments), each piece
    remembered: the values it names are those of all the string's windows read at once, whatever
    the separators, pieces shorter than a window, values spanning pieces, a memo forgotten midway, or
    pieces too long to remember."""
    from leakscan.masking import sanitize

    rng = random.Random(8)
    alphabet = string.ascii_letters + string.digits + " /~%@.-_"
    values = ["".join(rng.choice(alphabet) for _ in range(rng.randint(4, 14))) for _ in range(300)]
    values += ["ab/cd", "x y z w", "/a/b", "~1ab", "tok_q7Zq7Zq7Z"]
    sanitizer = Sanitizer(None, [(value, MaskSpec()) for value in values])
    pieces = [*values, "/", " ", "//", "  ", "/log/entries/", "Mask the value at ", "a", "é", "~0", "%2F"]
    monkeypatch.setattr(sanitize, "PIECE_MEMO_LIMIT", 200)
    monkeypatch.setattr(sanitize, "PIECE_MEMO_CHARS", 12)
    named = 0
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        expected = sorted(sanitizer._window_hits(text))
        assert sanitizer._candidates(text) == expected, text
        named += bool(expected)
    assert named > 1000 and len(sanitizer._pieces) <= 200
    assert max(map(len, sanitizer._pieces)) <= 12


def test_a_known_value_is_masked_percent_encoded_as_quote_writes_it() -> None:
    """Forms are made for every value a document found; ASCII ones by one translate, not quote()."""
    from urllib.parse import quote

    from leakscan.masking.sanitize import _quoted

    rng = random.Random(11)
    alphabet = [chr(code) for code in range(128)] + ["é", "€", "\U0001F600"]
    for _ in range(2000):
        value = "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 24)))
        assert _quoted(value) == quote(value, safe="")
    email = "jane.o'hara+news@mail.example"
    sanitizer = Sanitizer(None, {email: MaskSpec()})
    cleaned = sanitizer.clean(f"/users/{quote(email, safe='')}/orders")
    assert "hara" not in cleaned and cleaned.startswith("/users/") and cleaned.endswith("/orders")


def test_a_value_whose_stem_is_absent_is_let_go_before_its_forms_and_mask(monkeypatch) -> None:
    """Values whose first characters the text holds but not their unencoded stem (`jane.doe` of
    `jane.doe@...`) are dropped on that, not masked and searched for (with four-letter windows, a
    capture's 160,000 emails made 3.2 million such candidates for 328,000 strings); a value present
    in any form is still masked."""
    from urllib.parse import quote

    from leakscan.masking import sanitize

    rng = random.Random(9)
    starts = ["masked_v", "response", "client_a", "applicat", "unless_t"]  # eight characters the text holds
    emails = [f"{rng.choice(starts)}{_alnum(rng, 4, string.ascii_lowercase)}.{_alnum(rng, 5, string.ascii_lowercase)}"
              "@mail.example" for _ in range(2000)]
    masked_calls: list[str] = []
    real_mask = sanitize.mask_value

    def counted_mask(value: str, spec: MaskSpec) -> str:
        masked_calls.append(value)
        return real_mask(value, spec)

    monkeypatch.setattr(sanitize, "mask_value", counted_mask)
    sanitizer = Sanitizer(None, [(email, MaskSpec()) for email in emails])
    text = ("Return the masked_value or omit the response_field unless_the client_application needs it. "
            "Mask the value at /items/3/email.")
    assert len(sanitizer._candidates(text)) > 5  # the windows begin many values
    assert sanitizer.clean(text) == text and masked_calls == []
    for shown in (emails[7], quote(emails[8], safe=""), emails[9].replace("/", "~1")):
        cleaned = sanitizer.clean(f"/users/{shown}/orders")
        assert shown not in cleaned and cleaned.endswith("/orders")
    assert len(masked_calls) == 3
