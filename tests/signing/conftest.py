from tests.pki_fixtures import *  # noqa: F403 — the session PKI and record PDF fixtures
