"""Uses a Python client generated from /api/v1/openapi.json (openapi-python-client)
against the live server: a token, a draft, reading it back, and the public registry.
Any attribute the document failed to describe would be missing from the generated
models and fail here.

Usage: python generated_client.py BASE_URL CLIENT_ID CLIENT_SECRET
"""

import sys

from interconnect_registry_api_client import AuthenticatedClient, Client
from interconnect_registry_api_client.api.applications import (
    create_application,
    get_application,
    list_applications,
)
from interconnect_registry_api_client.api.authentication import token
from interconnect_registry_api_client.api.registry import registry
from interconnect_registry_api_client.models import (
    ApplicationDetail,
    ApplicationFields,
    NewApplication,
    Problem,
    TokenRequest,
)

base, client_id, client_secret = sys.argv[1:4]
public = Client(base_url=base, raise_on_unexpected_status=True)

issued = token.sync(
    client=public,
    body=TokenRequest(
        grant_type="client_credentials", client_id=client_id, client_secret=client_secret
    ),
)
assert issued.token_type == "Bearer" and issued.expires_in == 900, issued
api = AuthenticatedClient(base_url=base, token=issued.access_token, raise_on_unexpected_status=True)

draft = create_application.sync(
    client=api,
    body=NewApplication(kind="new", fields=ApplicationFields(counterparty_name="Generated Co.")),
)
assert isinstance(draft, ApplicationDetail), draft
assert draft.status == "draft" and draft.fields.counterparty_name == "Generated Co.", draft
assert get_application.sync(client=api, id=draft.id).id == draft.id
assert draft.id in [a.id for a in list_applications.sync(client=api).items]

refused = create_application.sync(client=api, body=NewApplication(kind="bogus"))
assert isinstance(refused, Problem) and refused.errors[0].field == "kind", refused

page = registry.sync(client=public, limit=2)
assert len(page.items) == 2 and page.next_cursor, page
following = registry.sync(client=public, limit=2, after=page.next_cursor)
assert following.items[0].approval_number != page.items[0].approval_number

print("a client generated from the OpenAPI document works against the live server")
