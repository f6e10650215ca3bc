"""Two-part credentials: an identifier beside its secret is named in that secret's finding, never reported alone."""
from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator
from dataclasses import replace

from leakscan.masking.values import mask_value
from leakscan.model import Candidate, Rule
from leakscan.scoring import Score

IDENTIFIER = "identifier"
# A key id and its secret are written together: one block of a config file, one CSV row, one call.
PAIR_LINES = 5
PAIRED = 0.05  # a secret written beside its own identifier is more likely to be a live credential
# An identifier with no secret beside it stays below the default threshold; --min-confidence 0 shows it.
ALONE_CAP = 0.3
# Identifiers below this are placeholders themselves (AKIAIOSFODNN7EXAMPLE): they name nothing.
PAIR_FLOOR = 0.5
# Rule-id prefix of user names (patterns/usernames.yaml): the login half of a password, not of a provider's key.
USER_NAME = "username"
# Provider words a generic rule's line may name instead of the provider's rule prefix.
_PROVIDER_WORDS: dict[str, tuple[str, ...]] = {
    "aws": ("aws", "amazon", "s3"),
    "alibaba": ("alibaba", "aliyun", "alicloud", "oss"),
    "gcp": ("google", "gcp", "oauth"),
}
# Words of a rule id that make its secret the other half of a user name (files.filezilla.password,
# connections.jdbc.password, files.firefox.logins); generic and connection-string rules always are.
_PASSWORD_WORDS = frozenset({"password", "passwd", "passphrase", "pass", "pwd", "credential", "credentials",
                             "login", "logins", "userinfo", "basic"})
_ID_WORDS = re.compile(r"[.\-_]")
# A value that repeats a user-name key word (`"username": "Username"`) is a form label, not a name.
_LABELS = frozenset({"user", "username", "login", "loginname", "logon", "logonname", "name", "uid", "userid",
                     "account", "string", "none", "null", "nil", "undefined", "true", "false"})

# The key written just before a value: `DB_USER=`, `"user": "`, `<User>`, `$db_user = '`.
_KEY_BEFORE_VALUE = re.compile(r"""([A-Za-z_$][\w.:$-]*)["'\]]?[ \t]*(?:=|:=|=>|:|>)[ \t]*["'`]?$""")
_KEY_WORDS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
_USER_KEY_WORDS = frozenset({"user", "username", "name", "login", "logon", "uid", "id", "account"})
_SECRET_KEY_WORDS = frozenset({"password", "passwd", "passphrase", "pass", "pwd", "pw", "secret", "credential",
                               "token", "key"})

_Scored = tuple[Candidate, Score]
_Place = tuple[str, str | None]  # path and commit: pairs never cross a file or a revision


def pair_identifiers(scored: list[_Scored]) -> list[_Scored]:
    """Each secret names the nearest identifier of its provider within a few lines (+PAIRED), and each
    password the nearest user name (no confidence move: test fixtures have both); the secret lists their
    lines in `related_lines`. Identifiers leave the list when paired, and are capped below the threshold alone."""
    if not any(c.rule.category == IDENTIFIER for c, _ in scored):
        return scored
    pairable = [c for c, s in scored if c.rule.category == IDENTIFIER and s.confidence >= PAIR_FLOOR]
    keys = _NearIndex([c for c in pairable if not _is_user_name(c.rule)])
    users = _NearIndex([c for c in pairable if _is_user_name(c.rule) and _plausible_name(c.secret)])
    # A generic rule (`api_key = "..."`) that matched a key id's own value saw an id, not a secret; a
    # password equal to its user name is still a password.
    id_values = {_value_key(c) for c, _ in scored if c.rule.category == IDENTIFIER and not _is_user_name(c.rule)}
    paired: set[int] = set()
    out: list[_Scored] = []
    for cand, result in scored:
        if cand.rule.category == IDENTIFIER or (cand.rule.is_generic and _value_key(cand) in id_values):
            continue
        if cand.rule.category in ("secret", "url-token"):
            partners = [p for p in (keys.nearest(cand, _same_provider),
                                    users.nearest(cand, _takes_user_name)) if p is not None]
            for partner in partners:
                paired.add(id(partner))
                result = _with_partner(result, partner)
            if partners:
                cand = replace(cand, related_lines=tuple(sorted({*cand.related_lines, *(p.line for p in partners)})))
        out.append((cand, result))
    for cand, result in scored:
        if cand.rule.category == IDENTIFIER and id(cand) not in paired:
            out.append((cand, _alone(cand, result)))
    return out


class _NearIndex:
    """Identifiers by file and position. A secret looks at the lines within PAIR_LINES, nearest first (at equal
    distance the line before), and on each line at the identifiers nearest to it first: bisection, so a one-line
    capture with thousands of values costs n log n, not n²."""

    def __init__(self, identifiers: list[Candidate]) -> None:
        self._by_place: dict[_Place, list[tuple[int, int, Candidate]]] = {}
        for ident in identifiers:
            self._by_place.setdefault((ident.origin.path, ident.origin.commit), []).append(
                (ident.line, ident.column, ident))
        for entries in self._by_place.values():
            entries.sort(key=lambda e: e[:2])
        self._positions = {place: [e[:2] for e in entries] for place, entries in self._by_place.items()}

    def nearest(self, secret: Candidate, fits: Callable[[Candidate, Candidate], bool]) -> Candidate | None:
        place = (secret.origin.path, secret.origin.commit)
        entries = self._by_place.get(place)
        if not entries:
            return None
        for ident in self._in_order(entries, self._positions[place], secret):
            if fits(ident, secret):
                return ident
        return None

    @staticmethod
    def _in_order(entries: list[tuple[int, int, Candidate]], positions: list[tuple[int, int]],
                  secret: Candidate) -> Iterator[Candidate]:
        """Same line first (the nearest column, before the secret on a tie), then one line before, one after,
        two before...: on a line before, its last identifier first; on a line after, its first."""
        at = bisect.bisect_left(positions, (secret.line, secret.column))
        line_start = bisect.bisect_left(positions, (secret.line, 0))
        line_end = bisect.bisect_left(positions, (secret.line + 1, 0))
        left, right = at - 1, at  # walk outwards from the secret's column, one step at a time
        while left >= line_start or right < line_end:
            take_left = right >= line_end or (
                left >= line_start and secret.column - entries[left][1] <= entries[right][1] - secret.column)
            if take_left:
                yield entries[left][2]
                left -= 1
            else:
                yield entries[right][2]
                right += 1
        for distance in range(1, PAIR_LINES + 1):
            lo = bisect.bisect_left(positions, (secret.line - distance, 0))
            hi = bisect.bisect_left(positions, (secret.line - distance + 1, 0))
            yield from (entries[i][2] for i in range(hi - 1, lo - 1, -1))
            lo = bisect.bisect_left(positions, (secret.line + distance, 0))
            hi = bisect.bisect_left(positions, (secret.line + distance + 1, 0))
            yield from (entries[i][2] for i in range(lo, hi))


def _value_key(cand: Candidate) -> tuple[str, str | None, int, str]:
    return cand.origin.path, cand.origin.commit, cand.line, cand.secret


def _provider(rule: Rule) -> str:
    return rule.id.split(".", 1)[0]


def _is_user_name(rule: Rule) -> bool:
    return _provider(rule) == USER_NAME


def _plausible_name(value: str) -> bool:
    squashed = re.sub(r"[\W_]", "", value).lower()
    return squashed not in _LABELS and not squashed.startswith("your")


def _takes_user_name(user: Candidate, secret: Candidate) -> bool:
    """Passwords, passphrases, connection strings and generic credentials are logged in with a user name,
    from the same block: DB_USER goes with DB_PASSWORD, not with REDIS_PASSWORD or MYSQL_ROOT_PASSWORD."""
    rule = secret.rule
    takes = (rule.is_generic or _provider(rule) == "connections"
             or not _PASSWORD_WORDS.isdisjoint(_ID_WORDS.split(rule.id.lower())))
    if not takes:
        return False
    user_block, secret_block = _key_block(user, _USER_KEY_WORDS), _key_block(secret, _SECRET_KEY_WORDS)
    return user_block is None or secret_block is None or user_block == secret_block


def _key_block(cand: Candidate, own_words: frozenset[str]) -> str | None:
    """What a key names before its last word (`db` in DB_PASSWORD, `spring.datasource` in
    spring.datasource.username): None when the key before the value is not read, or does not end in one of
    `own_words` (a `-u` flag, a URL's userinfo)."""
    text, at = cand.line_text, cand.column - 1
    if "\n" in text or not cand.secret:
        return None
    if text[at:at + len(cand.secret)] != cand.secret:  # a document item's line_text is its rendered key and value
        at = text.find(cand.secret)
    key = _KEY_BEFORE_VALUE.search(text[:at]) if at > 0 else None
    if key is None:
        return None
    words = [w.lower() for w in _KEY_WORDS.findall(key.group(1))]
    if not words or words[-1] not in own_words:
        return None
    while words and words[-1] in own_words:
        words.pop()
    return "_".join(words)


def _same_provider(ident: Candidate, secret: Candidate) -> bool:
    provider = _provider(ident.rule)
    if _provider(secret.rule) == provider:
        return True
    if not secret.rule.is_generic:
        return False
    near = (secret.before + "\n" + secret.line_text).lower()
    if ident.rule.id.endswith("client-id") and "client" in near:
        return True  # client_id beside client_secret: one OAuth client, whoever issued it
    return any(word in near for word in _PROVIDER_WORDS.get(provider, (provider,)))


def _with_partner(result: Score, ident: Candidate) -> Score:
    shown = mask_value(ident.secret, ident.rule.mask)
    named = f"paired with {ident.rule.name} {shown} (line {ident.line})"
    if _is_user_name(ident.rule):
        return Score(result.confidence, (*result.reasons, named))
    return Score(round(min(1.0, result.confidence + PAIRED), 2), (*result.reasons, f"{named}: {PAIRED:+.2f}"))


def _alone(ident: Candidate, result: Score) -> Score:
    if result.confidence <= ALONE_CAP:
        return result
    if _is_user_name(ident.rule):
        reason = f"a user name, not a secret, and no password beside it: capped at {ALONE_CAP:.2f}"
    else:
        reason = f"an identifier, not a secret, and no secret of its provider beside it: capped at {ALONE_CAP:.2f}"
    return Score(ALONE_CAP, (*result.reasons, reason))
