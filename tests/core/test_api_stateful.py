"""Schemathesis's stateful testing: sequences of calls in which each response's ids go into the next
requests, along the links schemathesis infers from the OpenAPI document (an asset created, then read and
linked; a channel listed, then its runs and their issues; a build started, then its run's issues), with an
integrator's token. No answer may be a 5xx, and every check of tests/core/test_api_schema.py holds."""

import pytest
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

from tests.core.test_api_schema import auth, in_test_transaction, schema  # noqa: F401 (fixtures)

SEQUENCES, STEPS = 10, 6  # derandomized and bounded like the stateless test: about twenty seconds


@pytest.mark.django_db
def test_sequences_of_calls_never_break_the_api(auth):  # noqa: F811 (the fixture imported above)
    answers: list[tuple[str, int, bool]] = []

    class Integrator(schema.as_state_machine()):
        def get_call_kwargs(self, case):
            return {"headers": auth}

        def step(self, input):
            output = super().step(input)
            answers.append(
                (input.case.operation.label, output.response.status_code, input.transition is not None)
            )
            return output

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            # As the stateless test, less "API accepts invalid authentication": given the token as a transport
            # argument, its probes spoil the session cookie (the other way in) but keep the valid token and
            # take the 200 for a breach. The stateless test runs that check on every operation.
            case.validate_response(
                response,
                excluded_checks=[positive_data_acceptance, ignored_auth],
                transport_kwargs=kwargs or None,
            )

    Integrator.run(
        settings=settings(
            max_examples=SEQUENCES,
            stateful_step_count=STEPS,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
    )

    assert [answer for answer in answers if answer[1] >= 500] == []
    assert any(linked for _label, _status, linked in answers), "no sequence followed a link"
