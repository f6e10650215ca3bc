from __future__ import annotations

import random
import string
import zlib
from pathlib import Path

import pytest

from leakscan.config import Config
from leakscan.engine.context import Engine
from leakscan.engine.validators import base62

FIXTURES = Path(__file__).parent / "fixtures"
GOLDEN = Path(__file__).parent / "golden"
BASE62 = string.digits + string.ascii_letters


def fake_github_token(seed: int = 1, prefix: str = "ghp_") -> str:
    """A structurally valid, never-issued GitHub token (checksum correct)."""
    rng = random.Random(seed)
    body = "".join(rng.choice(BASE62) for _ in range(30))
    return prefix + body + base62(zlib.crc32(body.encode()), 6)


def fake_aws_key_id(seed: int = 1) -> str:
    """An access key id: an identifier, reported only as named in its secret key's finding."""
    rng = random.Random(seed)
    return "AKIA" + "".join(rng.choice(string.ascii_uppercase + "234567") for _ in range(16))


def fake_aws_secret_key(seed: int = 1) -> str:
    """A secret access key's shape: 40 base64 characters."""
    rng = random.Random(seed)
    return "".join(rng.choice(string.ascii_letters + string.digits + "+/") for _ in range(40))


def fake_password(seed: int = 1, length: int = 14) -> str:
    """A random password with no quote, separator or markup character (it fits every syntax)."""
    rng = random.Random(seed)
    body = "".join(rng.choice(string.ascii_letters + string.digits + "!#%*.-_") for _ in range(length - 3))
    return rng.choice(string.ascii_letters) + body + "7k"


def fake_user_name(seed: int = 1) -> str:
    """A user name that is no demo word (`root`, `admin`): letters, an underscore, digits."""
    rng = random.Random(seed)
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(6)) + "_" + str(rng.randrange(10, 99))


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine.build(Config(jobs=1))


@pytest.fixture(scope="session")
def keyword_engine() -> Engine:
    return Engine.build(Config(jobs=1, use_hyperscan=False))
