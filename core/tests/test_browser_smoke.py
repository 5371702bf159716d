import pytest


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_home_page_serves_layout_and_local_assets(page, asgi_live_server):
    requested = []
    page.on("request", lambda request: requested.append(request.url))

    page.goto("/")

    assert page.title().endswith("· Bazaar")
    assert page.locator("header .brand").inner_text().strip().endswith("Bazaar")
    assert page.evaluate("typeof window.htmx") == "object"
    assert requested, "the page made no requests"
    assert all(url.startswith(asgi_live_server.url) for url in requested)
