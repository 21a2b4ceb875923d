"""The REST API walked statefully by schemathesis: sequences of calls, each using what earlier answers gave.

The schema has no OpenAPI links of its own; schemathesis 4 infers them when it builds the state
machine (``schema.as_state_machine()``): from the response schemas and path parameters it chains
GET /orders → GET /orders/{order_no} → its packages → GET /packages/{waybill_no}, POST /batch-jobs →
GET /batch-jobs/{job_id}, the webhook endpoints' list → get / patch / enable / disable / delete /
deliveries → a delivery → redeliver, and GET /exceptions/{id} → POST its actions. The stateless pass
over every operation is tests/api/test_schemathesis.py; this one checks what only sequences show
(a deleted endpoint stays gone, a created resource can be read back) besides no 5xx and answers that
conform to the schema.
"""

import hypothesis
import pytest
import schemathesis
from fuzz.tally import DERANDOMIZE, TALLY, fuzz_settings
from huey.contrib.djhuey import HUEY
from hypothesis import Phase
from hypothesis.errors import FlakyStrategyDefinition
from schemathesis.specs.openapi.checks import positive_data_acceptance

from yundan.api.keys import create_key
from yundan.demo.builder import build_demo
from yundan.exceptions.models import ParcelException
from yundan.exceptions.services import sweep
from yundan.webhooks.services import create_endpoint
from yundan.wsgi import application

# Committed data: the WSGI app closes its database connection after each request, as in production.
pytestmark = pytest.mark.django_db(transaction=True)
MAX_RESTARTS = 50


@pytest.fixture
def workflow(transactional_db):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    token = create_key("write", "schemathesis stateful").token

    @schema.auth()
    class WriteKey:  # an auth provider: the auth checks know the key is ours and probe without it
        def get(self, case, context):
            return token

        def set(self, case, data, context):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    class ApiWorkflow(schema.as_state_machine()):
        completed = 0  # scenarios run to their end, over every restart

        def teardown(self):
            ApiWorkflow.completed += 1
            TALLY.record("api: stateful schemathesis (scenarios)", "completed")
            super().teardown()

        def after_call(self, response, case):
            super().after_call(response, case)
            TALLY.record("api: stateful schemathesis (calls)", str(response.status_code))

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            # Every check but positive_data_acceptance, as in the stateless test: a request the schema
            # allows may still break a rule it cannot state (a cursor never given out) and get a 4xx.
            case.validate_response(response, additional_checks=additional_checks, transport_kwargs=kwargs or None,
                                   excluded_checks=[positive_data_acceptance], recorder=self.recorder)

    return ApiWorkflow


@pytest.fixture
def data(settings, frozen_now, no_rate_limits, tmp_path):
    """The demo shop (orders in every state, shipped packages with timelines, open exceptions) and a
    webhook endpoint that refuses connections."""
    settings.YUNDAN_HOME = tmp_path  # batch jobs keep their files here
    settings.YUNDAN_WEBHOOK_TIMEOUT = 0.5  # endpoints the fuzzer creates name hosts that do not exist
    create_endpoint("http://127.0.0.1:9/hook", ["package.shipped", "tracking.updated"], description="fuzz")
    build_demo(40, seed=10)
    sweep()  # the exception rules over the demo's parcels
    assert ParcelException.objects.exists()
    was, HUEY.immediate = HUEY.immediate, True  # a batch job is answered before its GET
    yield
    HUEY.immediate = was


def test_call_sequences_never_fail_the_server_and_answer_as_the_schema_says(data, workflow):
    wanted = fuzz_settings(12).max_examples  # scenarios of up to 8 calls
    for suite in range(MAX_RESTARTS):
        # Only the generate phase, as schemathesis runs its state machines: its strategies follow what
        # the API answered before, so a scenario cannot be replayed (nor shrunk) exactly. In CI each suite
        # has a seed of its own (the same every run); derandomizing would start each one alike.
        remaining = hypothesis.settings(fuzz_settings(12), max_examples=wanted - workflow.completed,
                                        stateful_step_count=8, phases=[Phase.generate], database=None,
                                        derandomize=False)
        try:
            (hypothesis.seed(suite)(workflow) if DERANDOMIZE else workflow).run(settings=remaining)
        except FlakyStrategyDefinition:
            # Hypothesis noticed that generation depends on the API's earlier answers and stopped: no failure
            # of the API (a real one raises its own error). schemathesis's own runner then starts another
            # suite, and so does this test, until the scenarios are done.
            TALLY.record("api: stateful schemathesis (scenarios)", "suite restarted (inconsistent generation)")
            if workflow.completed < wanted:
                continue
        return
    pytest.fail(f"{MAX_RESTARTS} restarts, {workflow.completed} of {wanted} scenarios completed")
