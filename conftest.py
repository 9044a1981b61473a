"""For the whole suite (tests/ and contract_tests/)."""

from hypothesis import HealthCheck, settings

# The suite runs on busy 2-core machines: no Hypothesis check may depend on the machine's speed,
# so no deadline and no "too slow" health check; every other health check stays on.
settings.register_profile("fake-beeper-suite", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("fake-beeper-suite")
