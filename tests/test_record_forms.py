"""The editing forms: what is derived from the shapes, what the pages and form routes serve."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pyshacl
import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, SH

from kb.config import Settings
from kb.curation.accounts import AccountStore
from kb.validation.rdf_terms import triples_to_graph

PASSWORD = "correct horse battery"
BASE = "https://w3id.org/roma-alliance/"
A = Namespace(BASE + "ontology#")
ID = Namespace(BASE + "id/")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
ORG = Namespace("http://www.w3.org/ns/org#")


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    import server

    state = tmp_path_factory.mktemp("state")
    accounts = AccountStore(state)
    accounts.add("maria", "curator", PASSWORD)
    application = server.create_app(Settings(state_dir=state, validate_on_start=False))
    with TestClient(application):
        yield application


@pytest.fixture
def client(app: object) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as c:  # type: ignore[arg-type]
        yield c


def log_in(client: TestClient, name: str = "maria") -> None:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    response = client.post(
        "/login",
        data={"name": name, "password": PASSWORD, "csrf_token": token.group(1), "next": "/"},
    )
    assert response.status_code == 303, response.text


def turtle(text: str) -> Graph:
    return Graph().parse(data=text, format="turtle")


def field(g: Graph, path: URIRef) -> URIRef:
    """The property shape of the form's root shape for `path`."""
    for prop in g.objects(None, SH.property):
        if g.value(prop, SH.path) == path and str(prop).startswith(BASE + "forms/"):
            assert isinstance(prop, URIRef)
            return prop
    raise AssertionError(f"no field for {path}")


# -- what the forms are made of --------------------------------------------------------------


def test_the_award_form_has_a_field_per_path_of_the_award_shapes(client: TestClient) -> None:
    g = turtle(client.get("/forms/award/shapes.ttl?lang=en").text)
    root = URIRef(BASE + "forms/award")
    assert (root, RDF.type, SH.NodeShape) in g
    paths = {g.value(p, SH.path) for p in g.objects(root, SH.property)}
    assert paths == {
        RDF.type,
        A.edition,
        A.laureate,
        A.rank,
        A.sharedRank,
        A.awardedFor,
        DCTERMS.source,
    }
    rank = field(g, A.rank)
    assert g.value(rank, SH.datatype) == URIRef("http://www.w3.org/2001/XMLSchema#integer")
    assert (g.value(rank, SH.minInclusive), g.value(rank, SH.maxInclusive)) == (
        Literal(1),
        Literal(3),
    )
    assert g.value(rank, SH.maxCount) == Literal(1) and g.value(rank, SH.minCount) is None
    assert g.value(field(g, DCTERMS.source), SH.minCount) == Literal(1)
    assert g.value(field(g, A.edition), SH.minCount) == Literal(1)
    # one text per language at most: the form offers no more than two project texts
    assert g.value(field(g, A.awardedFor), SH.maxCount) == Literal(2)


def test_field_names_come_from_the_ontology_in_the_pages_language(client: TestClient) -> None:
    fr = turtle(client.get("/forms/award/shapes.ttl?lang=fr").text)
    en = turtle(client.get("/forms/award/shapes.ttl?lang=en").text)
    assert fr.value(field(fr, A.rank), SH.name) == Literal("rang", lang="fr")
    assert en.value(field(en, A.rank), SH.name) == Literal("rank", lang="en")
    assert en.value(field(en, A.laureate), SH.name) == Literal("laureate", lang="en")


def test_links_become_drop_downs_of_the_records_they_may_point_to(client: TestClient) -> None:
    g = turtle(client.get("/forms/award/shapes.ttl?lang=fr").text)
    laureate = g.value(field(g, A.laureate), SH["class"])
    edition = g.value(field(g, A.edition), SH["class"])
    assert laureate is not None and edition is not None
    query = str(laureate).split("?", 1)[1]
    choices = turtle(client.get(f"/forms/award/choices?{query}").text)
    offered = set(choices.subjects(RDF.type, laureate))
    # the laureate's range in the ontology (city or region): cities and regions, nothing else
    assert ID["authority/volos"] in offered and ID["authority/andalusia"] in offered
    assert not any("/prize-edition/" in str(s) for s in offered)
    editions = turtle(client.get(f"/forms/award/choices?{str(edition).split('?', 1)[1]}").text)
    assert editions.value(ID["prize-edition/5"], SKOS.prefLabel) == Literal(
        "Prix Dosta! du Congrès, 5e édition (2015)", lang="fr"
    )
    # a membership's member has no class in the shapes nor a range in the ontology: the
    # classes of what memberships link to
    member = turtle(client.get("/forms/membership/shapes.ttl?lang=en").text)
    cls = member.value(field(member, ORG.member), SH["class"])
    members = turtle(client.get(f"/forms/membership/choices?{str(cls).split('?', 1)[1]}").text)
    assert ID["authority/volos"] in set(members.subjects(RDF.type, cls))
    # a source may be any web address: a text box, not a drop-down
    assert member.value(field(member, DCTERMS.source), SH["class"]) is None
    assert member.value(field(member, DCTERMS.source), SH.nodeKind) == SH.IRI


def test_choices_of_an_unknown_field_or_kind_are_404(client: TestClient) -> None:
    assert client.get("/forms/award/choices?path=urn:nothing").status_code == 404
    assert client.get("/forms/theme/shapes.ttl").status_code == 404
    assert client.get("/forms/nothing/choices?path=urn:x").status_code == 404


def test_the_browser_checks_the_pages_language_and_leaves_cross_record_rules_to_the_server(
    client: TestClient,
) -> None:
    g = turtle(client.get("/forms/award/shapes.ttl?lang=fr").text)
    messages = list(g.objects(None, SH.message))
    assert messages and all(isinstance(m, Literal) and m.language == "fr" for m in messages)
    assert not list(g.objects(None, SH.sparql))
    assert {str(c) for c in g.objects(None, SH.targetClass)} == {str(A.Award)}
    # hints and warnings say so: the page keeps them from blocking a save
    authority = turtle(client.get("/forms/authority/shapes.ttl?lang=fr").text)
    assert any(
        str(m).startswith("Remarque : ") or str(m).startswith("Remarque: ")
        for m in authority.objects(None, SH.message)
    )


def test_the_browser_never_refuses_a_record_the_knowledge_base_accepts(
    app: object, client: TestClient
) -> None:
    # class checks left out make shapes accept more; under sh:not (a city is not a region)
    # that would refuse valid records, so such constraints are left to the server too
    from kb.web.form_shapes import record_kinds

    kb = app.state.kb  # type: ignore[attr-defined]
    for kind in record_kinds(kb):
        shapes = turtle(client.get(f"/forms/{kind}/shapes.ttl?lang=en").text)
        records = kb.settings.base_iri + f"id/{kind}/"
        data = triples_to_graph(
            kb.store.construct(
                f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o "
                f'FILTER(STRSTARTS(STR(?s), "{records}")) }}'
            )
        )
        _, report, text = pyshacl.validate(data, shacl_graph=shapes)
        assert not list(report.subjects(SH.resultSeverity, SH.Violation)), f"{kind}: {text}"
    assert "authority" in record_kinds(kb) and "award" in record_kinds(kb)


def _award(rank: int) -> Graph:
    data = Graph()
    award = ID["award/1-volos"]
    data.add((award, RDF.type, A.Award))
    data.add((award, A.edition, ID["prize-edition/1"]))
    data.add((award, A.laureate, ID["authority/volos"]))
    data.add((award, A.rank, Literal(rank)))
    data.add((award, DCTERMS.source, URIRef("https://example.org/dosta")))
    return data


def test_pyshacl_agrees_with_the_browsers_verdict_on_the_forms_shapes(client: TestClient) -> None:
    # a second SHACL engine reads the very document the browser's engine gets
    shapes = turtle(client.get("/forms/award/shapes.ttl?lang=fr").text)
    conforms, report, _ = pyshacl.validate(_award(7), shacl_graph=shapes)
    assert not conforms
    results = list(report.subjects(RDF.type, SH.ValidationResult))
    assert [report.value(r, SH.resultPath) for r in results] == [A.rank]
    message = str(report.value(results[0], SH.resultMessage))
    assert message.startswith("Le rang (alliance:rank)")
    conforms, _, _ = pyshacl.validate(_award(3), shacl_graph=shapes)
    assert conforms


# -- the pages --------------------------------------------------------------------------------


def test_the_forms_are_for_curators_only(client: TestClient) -> None:
    response = client.get("/new/award")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fnew%2Faward"
    edit = client.get("/id/award/5-ghent/edit?lang=fr")
    assert edit.headers["location"] == "/login?next=%2Fid%2Faward%2F5-ghent%2Fedit%3Flang%3Dfr"


def test_a_new_record_form_is_drawn_from_its_shapes(client: TestClient) -> None:
    log_in(client)
    page = client.get("/new/award?lang=fr")
    assert page.status_code == 200
    html = page.text
    assert '<shacl-form id="record-form"' in html
    assert 'data-shapes-url="/forms/award/shapes.ttl?lang=fr"' in html
    assert 'data-shape-subject="https://w3id.org/roma-alliance/forms/award"' in html
    assert 'for="slug"' in html and "Identifiant (slug)" in html
    assert '<script type="module" src="/static/record-form.js">' in html
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert len(page.content) < 100_000
    index = client.get("/new?lang=en")
    assert 'href="/new/authority"' in index.text and "city or region" in index.text
    assert client.get("/new/theme").status_code == 404  # vocabularies are not edited here


def test_an_edit_form_holds_the_record_and_keeps_what_no_shape_describes(
    client: TestClient,
) -> None:
    log_in(client)
    page = client.get("/id/award/2-mostar/edit")
    assert page.status_code == 200
    html = page.text
    values = re.search(r'data-values="([^"]*)"', html)
    assert values
    assert "ontology#rank&gt; &#34;1&#34;^^" in values.group(1)
    # skos:note has no shape: not a field, sent back as it is, and listed on the page
    assert "core#note" not in values.group(1)
    assert "Rank stated as" in html and 'class="kept"' in html
    config = re.search(r'id="record-form-config">(.*?)</script>', html, re.S)
    assert config and "core#note" in config.group(1)
    assert client.get("/id/award/no-such-award/edit").status_code == 404


def test_record_pages_link_to_their_form_for_curators_only(client: TestClient) -> None:
    anonymous = client.get("/id/award/5-ghent")
    assert "/id/award/5-ghent/edit" not in anonymous.text
    assert 'href="/new"' not in anonymous.text
    log_in(client)
    page = client.get("/id/award/5-ghent")
    assert 'class="edit-link" href="/id/award/5-ghent/edit"' in page.text
    assert 'href="/new"' in page.text
    assert "/edit" not in client.get("/id/theme/housing").text  # vocabularies: no form


def test_the_form_component_is_served_from_this_app(client: TestClient) -> None:
    response = client.get("/static/vendor/shacl-form/form-default.js")
    assert response.status_code == 200
    assert 'customElements.define("shacl-form"' in response.text


def test_names_in_drop_downs_are_shown_as_typed_never_parsed_as_markup() -> None:
    from kb.web.form_shapes import option_text

    # shacl-form 1.4.6 sets an option's innerHTML: the text it gets must be escaped
    assert option_text("Roma & Sinti <b>") == "Roma &amp; Sinti &lt;b&gt;"


@pytest.fixture(scope="module")
def small_lists(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The app with drop-downs of at most 10 records, a curator logged in."""
    import server

    state = tmp_path_factory.mktemp("state-small-lists")
    AccountStore(state).add("maria", "curator", PASSWORD)
    settings = Settings(state_dir=state, validate_on_start=False, form_list_limit=10)
    with TestClient(server.create_app(settings), follow_redirects=False) as c:
        log_in(c)
        yield c


def test_a_link_to_more_records_than_a_list_holds_is_a_search(small_lists: TestClient) -> None:
    g = turtle(small_lists.get("/forms/award/shapes.ttl?lang=en").text)
    # 43 cities and regions: no drop-down; 7 editions: still one
    assert g.value(field(g, A.laureate), SH["class"]) is None
    assert g.value(field(g, A.laureate), SH.nodeKind) == SH.IRI
    assert g.value(field(g, A.edition), SH["class"]) is not None
    page = small_lists.get("/new/award?lang=en").text
    assert "/forms/award/search?path=" in page

    def search(q: str) -> list[tuple[str, str]]:
        response = small_lists.get(
            "/forms/award/search", params={"path": str(A.laureate), "q": q, "lang": "fr"}
        )
        assert response.status_code == 200
        return [(r["iri"], r["name"]) for r in response.json()["results"]]

    assert search("vol") == [(str(ID["authority/volos"]), "Volos")]
    assert (str(ID["authority/sisli"]), "Şişli") in search("sisli")  # diacritics ignored
    assert search("grece") == []  # a country is not a laureate
    assert search("") == []
    missing = small_lists.get("/forms/award/search", params={"path": "urn:x", "q": "a"})
    assert missing.status_code == 404


def test_an_edit_form_names_the_records_its_search_fields_hold(small_lists: TestClient) -> None:
    page = small_lists.get("/id/award/5-ghent/edit?lang=en").text
    config = re.search(r'id="record-form-config">(.*?)</script>', page, re.S)
    assert (
        config and '"https://w3id.org/roma-alliance/id/authority/ghent": "Ghent"' in config.group(1)
    )


def test_every_record_opens_in_its_form_with_nothing_left_out(
    app: object, client: TestClient
) -> None:
    import html

    import pyoxigraph as ox

    from kb.web.record_forms import record_description

    log_in(client)
    kb = app.state.kb  # type: ignore[attr-defined]
    records = kb.settings.base_iri + "id/"
    # the records, not the statements they own ({record}#name, kept in their record's form)
    rows = kb.store.select(
        f'SELECT DISTINCT ?s WHERE {{ GRAPH ?g {{ ?s a ?t }} FILTER(STRSTARTS(STR(?s), "{records}")'
        f' && !STRENDS(STR(?g), "vocabularies") && !CONTAINS(STR(?s), "#")) }}'
    )
    from kb.web.form_shapes import record_kinds

    kinds = record_kinds(kb)
    opened = 0
    for row in rows:
        iri = row["s"].value
        if iri[len(records) :].split("/")[0] not in kinds:
            continue  # a kind no shape describes (no form): a 404, tested elsewhere
        page = client.get("/" + iri[len(kb.settings.base_iri) :] + "/edit")
        assert page.status_code == 200, iri
        assert len(page.content) < 100_000
        values = re.search(r'data-values="([^"]*)"', page.text)
        config = re.search(r'id="record-form-config">(.*?)</script>', page.text, re.S)
        assert values and config
        kept = json.loads(config.group(1).replace("\\u003c", "<"))["kept"]
        shown = html.unescape(values.group(1))
        sent_back = {
            ox.Triple(q.subject, q.predicate, q.object)
            for q in ox.parse((shown + kept).encode(), format=ox.RdfFormat.N_TRIPLES)
        }
        assert sent_back == set(record_description(kb, iri)[0]), iri  # the form + the rest
        opened += 1
    assert opened > 200


def test_forms_follow_a_commit_only_when_it_brings_a_class_a_form_lacks() -> None:
    import pyoxigraph as ox

    import server
    from kb.store.changes import ChangeSet
    from kb.web.form_shapes import record_kinds

    app = server.create_app(Settings(validate_on_start=False))
    with TestClient(app):
        kb = app.state.kb
        before = record_kinds(kb)
        graph = ox.NamedNode(kb.settings.graph_iri("authorities"))
        typed = ox.NamedNode(str(RDF.type))

        def add(slug: str, cls: URIRef) -> None:
            record = ox.NamedNode(kb.settings.record_iri("authority", slug))
            kb.store.commit(ChangeSet.of(added=[ox.Quad(record, typed, ox.NamedNode(cls), graph)]))

        add("another-town", A.Municipality)  # a class the form offers: same forms, no work
        assert record_kinds(kb) is before
        add("odd-record", A.Award)  # an authority typed as an award: the type field says so
        after = record_kinds(kb)
        assert after is not before
        assert str(A.Award) in after["authority"].classes
