"""The pages for people (the board, the API docs) as files: served locally, under the strict CSP."""

import re


def test_the_board_is_served_at_the_root_with_the_security_headers(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    html = response.get_data(as_text=True)
    assert '<html lang="pt-BR">' in html
    assert "<script>" not in html and "style=" not in html  # the CSP would block them


def test_every_file_the_board_references_is_served_from_here(client):
    html = client.get("/").get_data(as_text=True)
    files = re.findall(r'(?:src|href)="(/[^"]+)"', html)
    modules = ["/board/api.js", "/board/live.js", "/board/quadro.js", "/board/formulario.js"]
    for path in files + modules:
        response = client.get(path)
        assert response.status_code == 200, path
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html), "nothing from another host"


def test_the_docs_page_and_its_swagger_files_are_local(client):
    html = client.get("/docs").get_data(as_text=True)
    for path in re.findall(r'(?:src|href)="(/[^"]+)"', html):
        assert client.get(path).status_code == 200, path
    assert client.get("/docs/swagger/index.html").status_code == 404
