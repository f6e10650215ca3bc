"""Two-part credentials: an identifier beside its secret is named in that secret's finding, never reported alone."""
from __future__ import annotations

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
# Provider words a generic rule's line may name instead of the provider's rule prefix.
_PROVIDER_WORDS: dict[str, tuple[str, ...]] = {
    "aws": ("aws", "amazon", "s3"),
    "alibaba": ("alibaba", "aliyun", "alicloud", "oss"),
    "gcp": ("google", "gcp", "oauth"),
}

_Scored = tuple[Candidate, Score]


def pair_identifiers(scored: list[_Scored]) -> list[_Scored]:
    """Each secret names the nearest identifier of its provider within a few lines (+PAIRED); identifiers
    themselves leave the list when paired, and are capped below the threshold when alone."""
    if not any(c.rule.category == IDENTIFIER for c, _ in scored):
        return scored
    identifiers = [(c, s) for c, s in scored if c.rule.category == IDENTIFIER and s.confidence >= PAIR_FLOOR]
    # A generic rule (`api_key = "..."`) that matched an identifier's own value saw an id, not a secret.
    id_values = {_value_key(c) for c, _ in scored if c.rule.category == IDENTIFIER}
    paired: set[int] = set()
    out: list[_Scored] = []
    for cand, result in scored:
        if cand.rule.category == IDENTIFIER or (cand.rule.is_generic and _value_key(cand) in id_values):
            continue
        partner = _nearest(cand, identifiers) if cand.rule.category in ("secret", "url-token") else None
        if partner is not None:
            paired.add(id(partner))
            result = _with_partner(result, partner)
        out.append((cand, result))
    for cand, result in scored:
        if cand.rule.category == IDENTIFIER and id(cand) not in paired:
            out.append((cand, _alone(result)))
    return out


def _value_key(cand: Candidate) -> tuple[str, str | None, int, str]:
    return cand.origin.path, cand.origin.commit, cand.line, cand.secret


def _nearest(secret: Candidate, identifiers: list[_Scored]) -> Candidate | None:
    best: tuple[int, int, Candidate] | None = None
    for ident, _ in identifiers:
        distance = abs(ident.line - secret.line)
        if (distance > PAIR_LINES or ident.origin.path != secret.origin.path
                or ident.origin.commit != secret.origin.commit or not _same_provider(ident, secret)):
            continue
        # Nearest first; at equal distance the identifier written first (a key id before its secret).
        key = (distance, 0 if ident.line <= secret.line else 1, ident)
        if best is None or key[:2] < best[:2]:
            best = key
    return best[2] if best else None


def _provider(rule: Rule) -> str:
    return rule.id.split(".", 1)[0]


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
    reason = f"paired with {ident.rule.name} {shown} (line {ident.line}): {PAIRED:+.2f}"
    return Score(round(min(1.0, result.confidence + PAIRED), 2), (*result.reasons, reason))


def _alone(result: Score) -> Score:
    if result.confidence <= ALONE_CAP:
        return result
    reason = f"an identifier, not a secret, and no secret of its provider beside it: capped at {ALONE_CAP:.2f}"
    return Score(ALONE_CAP, (*result.reasons, reason))
