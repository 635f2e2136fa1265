"""Run the provider: `python -m tests.oidc_provider.serve REDIRECT_URI POST_LOGOUT_URI`, with
PROVIDER_DIR holding signing-key.pem. Creates its database, the person (PERSON, PASSWORD) and
the dashboard's registration (CLIENT_ID, CLIENT_SECRET), then serves on a free loopback port
and prints its address as the first line of stdout."""

import os
import sys
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

CLIENT_ID = "proctoring-dashboard"
CLIENT_SECRET = "provider-test-client-secret"  # noqa: S105 - a throwaway test registration
PERSON = "ada"
PASSWORD = "ada's provider password"  # noqa: S105


class ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        sys.stderr.write(f"{self.address_string()} {format % args}\n")


def main(redirect_uri: str, post_logout_uri: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.oidc_provider.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application
    from oauth2_provider.models import Application

    call_command("migrate", verbosity=0)
    get_user_model().objects.create_user(
        PERSON, email="ada@example.edu", password=PASSWORD, first_name="Ada", last_name="Lovelace"
    )
    Application.objects.create(
        name="Proctoring dashboard",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=redirect_uri,
        post_logout_redirect_uris=post_logout_uri,
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=True,
    )
    server = make_server(
        "127.0.0.1",
        0,
        get_wsgi_application(),
        server_class=ThreadingServer,
        handler_class=QuietHandler,
    )
    print(f"http://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main(*sys.argv[1:3])
