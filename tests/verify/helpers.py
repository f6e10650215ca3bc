"""Shared by the verify tests: fake credentials of each shape, findings in real files, a verifier run."""
from __future__ import annotations

import base64
import json
import random
import string
from pathlib import Path

from leakscan.model import Finding, Location, Report, ScanStats, Suggestion
from leakscan.rules.verifiers import VerifierSpec, load_verifiers
from leakscan.suppression.fingerprint import secret_hash
from leakscan.verify.runner import Verifier, VerifySettings
from leakscan.verify.sources import SourceReader

ALNUM = string.ascii_letters + string.digits


def fake_secret(template: str, seed: int = 7) -> str:
    """TEMPLATE with {token}, {hex32}, {b64_40}, {b64_88} and {pem} filled with generated values."""
    rng = random.Random(seed)
    values = {
        "token": "".join(rng.choice(ALNUM) for _ in range(40)),
        "hex32": "".join(rng.choice("0123456789abcdef") for _ in range(32)),
        "b64_40": "".join(rng.choice(ALNUM + "+/") for _ in range(40)),
        "b64_88": base64.b64encode(rng.randbytes(64)).decode(),
    }
    if "{pem}" in template:
        values["pem"] = json.dumps(rsa_pem())[1:-1]  # as written inside a key file's JSON string
    return template.format(**values)


_PEM: list[str] = []


def rsa_pem() -> str:
    """One generated RSA key per test session (PKCS#8 PEM)."""
    if not _PEM:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        _PEM.append(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()).decode())
    return _PEM[0]


def spec_of(provider: str) -> VerifierSpec:
    return next(s for s in load_verifiers() if s.provider == provider)


def finding_in_file(tmp_path: Path, rule_id: str, secret: str, context: str = "", name: str = "creds.env",
                    confidence: float = 0.9) -> Finding:
    """A finding for SECRET written on its own line after CONTEXT in a real file under TMP_PATH."""
    path = tmp_path / name
    path.write_text(context + f"SECRET_VALUE={secret}\n", encoding="utf-8")
    line = context.count("\n") + 1
    location = Location(path=name, line=line, column=14, end_line=line, end_column=14 + len(secret))
    return Finding(rule_id=rule_id, category="secret", name=rule_id, severity="high", confidence=confidence,
                   reasons=(f"pattern {rule_id}: {confidence:.2f}",), location=location, masked=secret[:4] + "****",
                   fingerprint="sha256:test", suggestion=Suggestion("rotate", "rotate it", "****"),
                   secret_hash=secret_hash(secret), secret=secret)


def run(findings: list[Finding], tmp_path: Path, overrides: dict[str, str], **settings: object) -> list[Finding]:
    options: dict[str, object] = {"timeout": 5.0, "retries": 0, "max_backoff": 0.0, **settings}
    verifier = Verifier(load_verifiers(), VerifySettings(overrides=tuple(overrides.items()), **options),  # type: ignore[arg-type]
                        SourceReader((str(tmp_path),)))
    report = Report(findings=tuple(findings), errors=(), stats=ScanStats(files=1, bytes=0, seconds=0.0, errors=0))
    return list(verifier.verify(report).findings)
