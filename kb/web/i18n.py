"""English and French: the interface's own words, and which language a request gets.

The words of the data (labels, titles, definitions) come from the data's `en`/`fr`
literals; this module holds only the words of the interface. The language of a
request is, in order: the `lang` query parameter, the `lang` cookie (set when the
visitor uses the switch), the `Accept-Language` header, English.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request

from kb.web import request_words

LANGUAGES = ("en", "fr")
DEFAULT_LANGUAGE = "en"
COOKIE = "lang"
#: Messages of warnings and hints start with these words (the browser's validation shows
#: them, but only violations keep a record from being saved).
SEVERITY_WORDS = {
    "Warning": {"en": "Warning", "fr": "Avertissement"},
    "Info": {"en": "Note", "fr": "Remarque"},
}

STRINGS: dict[str, tuple[str, str]] = {
    # key: (English, French)
    "site_title": (
        "Roma Inclusion Alliance knowledge base",
        "Base de connaissances de l’Alliance pour l’inclusion des Roms",
    ),
    "skip": ("Skip to content", "Aller au contenu"),
    "nav_home": ("Home", "Accueil"),
    "nav_query": ("Query (SPARQL)", "Requêtes (SPARQL)"),
    "nav_dumps": ("Open data", "Données ouvertes"),
    "nav_catalog": ("Catalogue", "Catalogue"),
    "nav_ontology": ("Ontology", "Ontologie"),
    "nav_validate": ("Validate", "Valider"),
    "language": ("Language", "Langue"),
    "switch_to": ("Français", "English"),
    "footer": (
        "Open data of the European Alliance of Cities and Regions for Roma Inclusion "
        "(Council of Europe). Data CC BY 4.0.",
        "Données ouvertes de l’Alliance européenne des villes et régions pour l’inclusion "
        "des Roms (Conseil de l’Europe). Données CC BY 4.0.",
    ),
    "formats": ("This record as data", "Cette fiche en données"),
    "sources": ("Sources", "Sources"),
    # where a record's facts come from (templates/record.html, kb/web/record_sources.py)
    "own_words": ("our wording", "formulation du projet"),
    "own_words_title": (
        "Written or translated by this knowledge base's curators, not taken from a page",
        "Écrit ou traduit par les curateurs de cette base, non repris d’une page",
    ),
    "fact_source": ("source", "source"),
    "fact_sources": ("%d sources", "%d sources"),
    "source_record": ("About this source", "À propos de cette source"),
    "sources_differ": ("Sources differ", "Les sources divergent"),
    "claim_value": ("What the source says", "Ce que dit la source"),
    "claim_source": ("Source", "Source"),
    "claim_rank": ("Standing", "Statut"),
    "claim_silent": ("no value stated", "aucune valeur donnée"),
    "rank_preferred": ("preferred", "préférée"),
    "rank_normal": ("kept", "conservée"),
    "rank_deprecated": ("set aside", "écartée"),
    "type": ("Type", "Type"),
    "country": ("Country", "Pays"),
    "membership": ("Alliance participation", "Participation à l’Alliance"),
    "participant_since": ("Participant since", "Participe depuis"),
    "participant_number": ("Participant number", "Numéro de participant"),
    "participant_reported": ("Reported as a participant on", "Signalée comme participante le"),
    "not_participant": (
        "Not recorded as a participant of the Alliance.",
        "Pas enregistrée comme participante à l’Alliance.",
    ),
    "awards": ("Dosta! Congress Prize awards", "Prix Dosta! du Congrès"),
    "signatures": (
        "Signatures of the Declaration against anti-Gypsyism",
        "Signatures de la Déclaration contre l’antitsiganisme",
    ),
    "practices": ("Good practices", "Bonnes pratiques"),
    "none": ("None recorded.", "Aucune enregistrée."),
    "edition": ("Edition", "Édition"),
    "rank": ("Rank", "Rang"),
    "rank_shared": ("shared", "ex aequo"),
    "rank_unknown": ("rank not stated", "rang non précisé"),
    "laureates": ("Laureates", "Lauréats"),
    "laureate": ("Laureate", "Lauréat"),
    "project": ("Project", "Projet"),
    "ceremony": ("Ceremony", "Cérémonie"),
    "label_year": ("Edition year", "Année de l’édition"),
    "edition_number": ("Edition number", "Numéro de l’édition"),
    "prize": ("Prize", "Prix"),
    "date": ("Date", "Date"),
    "signed": ("Document signed", "Document signé"),
    "signatory": ("Signed by", "Signé par"),
    "on_behalf_of": ("On behalf of", "Au nom de"),
    "unknown": ("not stated", "non précisé"),
    "theme": ("Theme", "Thème"),
    "maturity": ("Maturity", "Maturité"),
    "target_group": ("Target group", "Groupe cible"),
    "implemented_by": ("Implemented by", "Mise en œuvre par"),
    "period": ("Period", "Période"),
    "authorities": ("Cities and regions", "Villes et régions"),
    "participants": ("Participants", "Participants"),
    "signatories": ("Signatories", "Signataires"),
    "accession": ("Council of Europe member since", "Membre du Conseil de l’Europe depuis"),
    "identifier": ("Identifier", "Identifiant"),
    "same_as": ("Same as", "Identique à"),
    "definition": ("Definition", "Définition"),
    "in_scheme": ("Vocabulary", "Vocabulaire"),
    "broader": ("Broader", "Plus large"),
    "narrower": ("Narrower", "Plus précis"),
    "concepts": ("Concepts", "Concepts"),
    "used_by": ("Records using this", "Fiches qui l’utilisent"),
    "properties": ("Description", "Description"),
    "links_in": ("Linked from", "Liens entrants"),
    "value": ("Value", "Valeur"),
    "stated_as": ("As stated", "Tel que publié"),
    "measure": ("Measure", "Mesure"),
    "about": ("About", "Sur"),
    "at_least": ("at least", "au moins"),
    "approximately": ("about", "environ"),
    "undated": ("undated", "non daté"),
    # landing
    "landing_intro": (
        "Open linked data about the European Alliance of Cities and Regions for Roma "
        "Inclusion: its participating cities and regions, their good practices, the "
        "signatures of the Declaration of Mayors against anti-Gypsyism and the Dosta! "
        "Congress Prize.",
        "Données liées ouvertes sur l’Alliance européenne des villes et régions pour "
        "l’inclusion des Roms : les villes et régions participantes, leurs bonnes pratiques, "
        "les signatures de la Déclaration des maires contre l’antitsiganisme et le Prix "
        "Dosta! du Congrès.",
    ),
    "figures": ("The Alliance in figures", "L’Alliance en chiffres"),
    "figures_note": (
        "Counted live from the records, next to the figures the Alliance published.",
        "Comptés en direct dans les fiches, à côté des chiffres publiés par l’Alliance.",
    ),
    "counted": ("Records", "Fiches"),
    "stated": ("Published figures", "Chiffres publiés"),
    "count_participants": ("Participating cities and regions", "Villes et régions participantes"),
    "count_countries": ("Countries of participants", "Pays des participants"),
    "count_practices": ("Good practices", "Bonnes pratiques"),
    "count_signatures": ("Signatures of the Declaration", "Signatures de la Déclaration"),
    "count_awards": ("Dosta! awards", "Prix Dosta! décernés"),
    "count_signatory_states": ("Countries of signatories", "Pays des signataires"),
    "objectives": ("Objectives", "Objectifs"),
    "lines_of_action": ("Lines of action", "Axes d’action"),
    "map": ("Map of Europe", "Carte de l’Europe"),
    "map_show": ("Show", "Afficher"),
    "map_note": (
        "Countries shaded by the number of cities and regions in the records.",
        "Pays colorés selon le nombre de villes et régions dans les fiches.",
    ),
    "map_missing": (
        "The country shapes are not installed (run make web-assets).",
        "Les contours des pays ne sont pas installés (lancer make web-assets).",
    ),
    "laureates_layer": ("Prize laureates", "Lauréats du prix"),
    "chart": ("Dosta! awards by edition", "Prix Dosta! par édition"),
    "explore": ("Explore and reuse", "Explorer et réutiliser"),
    "explore_query": (
        "Ask your own questions in SPARQL, starting from example queries.",
        "Posez vos propres questions en SPARQL, à partir d’exemples.",
    ),
    "explore_dumps": (
        "Download the whole knowledge base (Turtle, JSON-LD, CSV…).",
        "Télécharger toute la base (Turtle, JSON-LD, CSV…).",
    ),
    "explore_catalog": ("The DCAT-AP catalogue of the data.", "Le catalogue DCAT-AP des données."),
    "explore_ontology": (
        "The classes and properties the records use.",
        "Les classes et propriétés employées par les fiches.",
    ),
    "explore_validate": (
        "Check your own records against the shapes before sending them.",
        "Vérifiez vos fiches avec les formes SHACL avant de les envoyer.",
    ),
    "browse": ("Browse the records", "Parcourir les fiches"),
    "kind_authority": ("Cities and regions", "Villes et régions"),
    "kind_membership": ("Memberships of the Alliance", "Participations à l’Alliance"),
    "kind_country": ("Countries", "Pays"),
    "kind_prize": ("Prize", "Prix"),
    "kind_prize-edition": ("Prize editions", "Éditions du prix"),
    "kind_award": ("Awards", "Prix décernés"),
    "kind_document": ("Documents", "Documents"),
    "kind_signature": ("Signatures", "Signatures"),
    "kind_practice": ("Good practices", "Bonnes pratiques"),
    "kind_database": ("Databases", "Bases de données"),
    "kind_event": ("Events", "Événements"),
    "kind_person": ("People", "Personnes"),
    "kind_secondment": ("Secondments", "Détachements"),
    "kind_post": ("Posts", "Postes"),
    "kind_figure": ("Published figures", "Chiffres publiés"),
    "kind_release": ("Releases", "Versions"),
    "kind_organisation": ("Organisations", "Organisations"),
    "kind_source": ("Sources", "Sources"),
    "kind_scheme": ("Vocabularies", "Vocabulaires"),
    "kind_theme": ("Themes", "Thèmes"),
    "kind_maturity": ("Maturity levels", "Niveaux de maturité"),
    "kind_group": ("Groups", "Groupes"),
    "kind_objective": ("Objectives", "Objectifs"),
    "kind_line-of-action": ("Lines of action", "Axes d’action"),
    "kind_role": ("Roles", "Rôles"),
    "kind_measure": ("Measures", "Mesures"),
    "kind_metric": ("Coverage metrics", "Mesures de couverture"),
    "editions": ("Prize editions", "Éditions du prix"),
    "countries": ("Countries", "Pays"),
    # query editor
    "query_title": ("SPARQL query editor", "Éditeur de requêtes SPARQL"),
    "query_intro": (
        "Queries run on this knowledge base's read-only endpoint at /sparql.",
        "Les requêtes sont exécutées sur le point d’accès en lecture seule /sparql.",
    ),
    "examples": ("Example queries", "Exemples de requêtes"),
    "load_example": ("Load", "Charger"),
    "query_help": (
        "New to SPARQL? The guide shows the model, the prefixes and ten questions to start from:",
        "Vous découvrez SPARQL ? Le guide présente le modèle, les préfixes et dix questions pour "
        "commencer :",
    ),
    "editor_missing": (
        "The query editor is not installed (run make web-assets). You can still send queries "
        "to /sparql.",
        "L’éditeur n’est pas installé (lancer make web-assets). Le point d’accès /sparql "
        "répond toujours.",
    ),
    # validation
    "validate_title": ("Validate records", "Valider des fiches"),
    "validate_intro": (
        "Paste or upload records in Turtle, JSON-LD or N-Triples: they are checked against the "
        "shapes, in the context of the knowledge base. Nothing you send is stored.",
        "Collez ou envoyez des fiches en Turtle, JSON-LD ou N-Triples : elles sont vérifiées "
        "avec les formes SHACL, dans le contexte de la base. Rien n’est conservé.",
    ),
    "validate_data": ("Records", "Fiches"),
    "validate_file": ("or a file", "ou un fichier"),
    "validate_format": ("Format", "Format"),
    "validate_submit": ("Validate", "Valider"),
    "conforms": ("The records conform to the shapes.", "Les fiches sont conformes aux formes."),
    "not_conforms": ("The records do not conform.", "Les fiches ne sont pas conformes."),
    "results": ("results", "résultats"),
    "severity": ("Severity", "Gravité"),
    "path": ("Property", "Propriété"),
    "severity_violation": ("Violation", "Violation"),
    "severity_warning": ("Warning", "Avertissement"),
    "severity_info": ("Note", "Note"),
    "message": ("Message", "Message"),
    "parse_error": ("The records could not be read", "Les fiches n’ont pu être lues"),
    "validator_missing": (
        "The validator is not available on this server.",
        "Le validateur n’est pas disponible sur ce serveur.",
    ),
    # ontology
    "ontology_title": ("The Alliance ontology", "L’ontologie de l’Alliance"),
    "classes": ("Classes", "Classes"),
    "object_properties": ("Object properties", "Propriétés d’objet"),
    "datatype_properties": ("Datatype properties", "Propriétés de données"),
    "other_terms": ("Other terms", "Autres termes"),
    "subclass_of": ("Subclass of", "Sous-classe de"),
    "subproperty_of": ("Subproperty of", "Sous-propriété de"),
    "domain": ("Domain", "Domaine"),
    "range": ("Range", "Portée"),
    "vocabularies": ("Vocabularies", "Vocabulaires"),
    # accounts (curation)
    "login": ("Log in", "Connexion"),
    "logout": ("Log out", "Déconnexion"),
    "login_title": ("Log in", "Connexion"),
    "login_intro": (
        "Curators log in to edit records. Reading the knowledge base needs no account.",
        "Les curateurs se connectent pour modifier les fiches. La lecture ne demande aucun compte.",
    ),
    "login_name": ("Account name", "Nom du compte"),
    "login_password": ("Password", "Mot de passe"),
    "login_submit": ("Log in", "Se connecter"),
    "login_failed": (
        "Wrong account name or password.",
        "Nom de compte ou mot de passe incorrect.",
    ),
    "login_throttled": (
        "Too many failed attempts: wait {seconds} seconds before trying again.",
        "Trop d’échecs : attendez {seconds} secondes avant de réessayer.",
    ),
    "logged_in_as": ("You are logged in as", "Vous êtes connecté·e en tant que"),
    "login_no_account": (
        "No account yet? An administrator creates one with: alliance-kb user add NAME "
        "--role curator",
        "Pas encore de compte ? Un administrateur le crée avec : alliance-kb user add NOM "
        "--role curator",
    ),
    # editing forms (kb/web/record_forms.py, static/record-form.js)
    "form_edit_title": ("Edit", "Modifier"),
    "form_edit_record": ("Edit this record", "Modifier cette fiche"),
    "form_new_title": ("New record", "Nouvelle fiche"),
    "form_new_index_title": ("New record", "Nouvelle fiche"),
    "form_new_index_intro": (
        "Choose the kind of record to create. The form is drawn from the validation rules of "
        "that kind.",
        "Choisissez le type de fiche à créer. Le formulaire est tiré des règles de validation "
        "de ce type.",
    ),
    "form_intro": (
        "Fields marked * are required. Each value is checked as you type, against the same "
        "rules as the knowledge base; rules that involve other records are checked when you "
        "save. Nothing is saved until you press Save.",
        "Les champs marqués * sont obligatoires. Chaque valeur est vérifiée pendant la saisie, "
        "selon les règles de la base ; les règles qui concernent d’autres fiches sont vérifiées "
        "à l’enregistrement. Rien n’est enregistré avant que vous appuyiez sur Enregistrer.",
    ),
    "form_loading": ("Loading the form…", "Chargement du formulaire…"),
    "form_needs_script": (
        "This form needs JavaScript. Curators can also send Turtle to the write API "
        "(PUT /id/{kind}/{slug}, see the README).",
        "Ce formulaire demande JavaScript. Les curateurs peuvent aussi envoyer du Turtle à "
        "l’API d’écriture (PUT /id/{kind}/{slug}, voir le README).",
    ),
    "form_slug": ("Identifier (slug)", "Identifiant (slug)"),
    "form_slug_help": (
        "Proposed from the name; lower-case letters, digits and hyphens. It becomes part of "
        "the record's address and cannot change once published.",
        "Proposé d’après le nom ; lettres minuscules, chiffres et tirets. Il fait partie de "
        "l’adresse de la fiche et ne change plus une fois publié.",
    ),
    "form_slug_invalid": (
        "This identifier does not fit the address pattern of this kind of record.",
        "Cet identifiant ne respecte pas le modèle d’adresse de ce type de fiche.",
    ),
    "form_slug_missing": ("Give the record an identifier.", "Donnez un identifiant à la fiche."),
    "form_reason": ("Reason for the change", "Motif de la modification"),
    "form_reason_help": (
        "Recorded in the history of the record (for example, the source you used).",
        "Inscrit dans l’historique de la fiche (par exemple, la source utilisée).",
    ),
    "form_save": ("Save", "Enregistrer"),
    "form_cancel": ("Cancel", "Annuler"),
    "form_kept": (
        "Other statements, kept as they are",
        "Autres déclarations, conservées telles quelles",
    ),
    "form_kept_help": (
        "No validation rule describes these statements, so the form does not show them; "
        "saving keeps them unchanged.",
        "Aucune règle de validation ne décrit ces déclarations, le formulaire ne les montre "
        "donc pas ; l’enregistrement les conserve telles quelles.",
    ),
    "form_add": ("Add", "Ajouter"),
    "form_remove": ("Remove", "Retirer"),
    "form_language": ("Language of the text", "Langue du texte"),
    "form_yes": ("yes", "oui"),
    "form_no": ("no", "non"),
    "form_date_hint": (
        "A date (2015-10-21), a month (2018-06) or a year (2013), as precise as the source",
        "Une date (2015-10-21), un mois (2018-06) ou une année (2013), aussi précis que la source",
    ),
    "form_iri_hint": (
        "A web address (https://…) or the IRI of a record",
        "Une adresse web (https://…) ou l’IRI d’une fiche",
    ),
    "form_fix_first": (
        "Correct the fields marked in red before saving.",
        "Corrigez les champs signalés en rouge avant d’enregistrer.",
    ),
    "form_saving": ("Saving…", "Enregistrement…"),
    "form_saved": ("Saved.", "Enregistré."),
    "form_saved_warnings": (
        "Saved. The knowledge base has these warnings about the change:",
        "Enregistré. La base signale ces avertissements sur la modification :",
    ),
    "form_refused": (
        "Not saved: the knowledge base with this change would break these rules.",
        "Non enregistré : avec cette modification, la base enfreindrait ces règles.",
    ),
    "form_other_records": (
        "About other records:",
        "Sur d’autres fiches :",
    ),
    "form_conflict": (
        "Not saved: the record was changed by someone else since this form was opened. Reload "
        "the page to see the new version (your changes here will be lost).",
        "Non enregistré : la fiche a été modifiée par quelqu’un d’autre depuis l’ouverture du "
        "formulaire. Rechargez la page pour voir la nouvelle version (vos modifications ici "
        "seront perdues).",
    ),
    "form_exists": (
        "Not saved: a record with this identifier already exists.",
        "Non enregistré : une fiche porte déjà cet identifiant.",
    ),
    "form_login_again": (
        "Not saved: your session has ended. Log in again in another tab, then save.",
        "Non enregistré : votre session a expiré. Reconnectez-vous dans un autre onglet, puis "
        "enregistrez.",
    ),
    "form_forbidden": (
        "Not saved: your account may not edit records.",
        "Non enregistré : votre compte ne peut pas modifier les fiches.",
    ),
    "form_bad_request": (
        "Not saved: the server could not read the record.",
        "Non enregistré : le serveur n’a pas pu lire la fiche.",
    ),
    "form_too_large": (
        "Not saved: the record is too large.",
        "Non enregistré : la fiche est trop volumineuse.",
    ),
    "form_failed": (
        "Not saved: the server did not answer as expected.",
        "Non enregistré : le serveur n’a pas répondu comme prévu.",
    ),
    "form_view_record": ("View the record", "Voir la fiche"),
    "form_search_hint": ("Type a few letters of the name", "Tapez quelques lettres du nom"),
    "form_search_none": (
        "No record of this name: choose one of the names offered.",
        "Aucune fiche de ce nom : choisissez un des noms proposés.",
    ),
    "history_of": ("History of", "Historique de"),
    "changes_title": ("Recent changes", "Modifications récentes"),
    "changes_feed": ("Atom feed of the changes", "Flux Atom des modifications"),
    "change": ("Change", "Modification"),
    "no_changes": ("No change recorded yet.", "Aucune modification enregistrée."),
    "action_create": ("created", "création de"),
    "action_update": ("updated", "modification de"),
    "action_delete": ("deleted", "suppression de"),
    "reverts": ("reverts", "annule"),
    "triples_changed": ("Triples removed / added", "Triplets retirés / ajoutés"),
    "reason": ("Reason", "Motif"),
    "revert": ("Revert this change", "Annuler cette modification"),
    "form_delete": ("Delete this record", "Supprimer cette fiche"),
    "form_delete_confirm": (
        "Delete this record? The change is kept in its history and can be reverted.",
        "Supprimer cette fiche ? La modification reste dans son historique et peut être annulée.",
    ),
    "form_in_use": (
        "Not deleted: these records link to it; change them first.",
        "Non supprimée : ces fiches pointent vers elle ; modifiez-les d’abord.",
    ),
    # errors
    "not_found": ("Not found", "Introuvable"),
    "not_found_text": (
        "There is no record with this address in the knowledge base.",
        "Aucune fiche de la base ne porte cette adresse.",
    ),
    "not_found_hint": (
        "Record addresses look like /id/authority/ghent or /id/prize-edition/5.",
        "Les adresses des fiches ressemblent à /id/authority/ghent ou /id/prize-edition/5.",
    ),
    "error": ("Error", "Erreur"),
    # search (kb/web/search_page.py) and lists of records (kb/web/record_lists.py)
    "search_title": ("Search", "Recherche"),
    "search_label": ("Search the knowledge base", "Chercher dans la base"),
    "search_placeholder": ("City, practice, theme…", "Ville, pratique, thème…"),
    "search_submit": ("Search", "Chercher"),
    "search_hint": (
        "Names, other names, titles and descriptions of every record and concept, in English "
        "and French; accents and capitals do not matter.",
        "Noms, autres graphies, titres et descriptions de toutes les fiches et de tous les "
        "concepts, en anglais et en français ; accents et majuscules indifférents.",
    ),
    "search_results": ("Results", "Résultats"),
    "search_none": ("Nothing found.", "Aucun résultat."),
    "facet_kind": ("Kind of record", "Type de fiche"),
    "facet_all": ("All kinds", "Tous les types"),
    "pages": ("Pages", "Pages"),
    "page": ("Page", "Page"),
    "previous": ("Previous", "Précédente"),
    "next": ("Next", "Suivante"),
    "as_data": ("As data", "En données"),
    "cite_this": ("Cite this", "Citer"),
    "nav_guide": ("Guide", "Guide"),
    "nav_search": ("Search", "Recherche"),
    "guide_title": ("How to query the knowledge base", "Comment interroger la base"),
    "guide_intro": (
        "The knowledge base is linked data: every record has an address (IRI), every fact is "
        "a triple, and SPARQL asks questions of them all. This page shows what is there, how "
        "it is modelled, and ten questions to start from.",
        "La base est faite de données liées : chaque fiche a une adresse (IRI), chaque fait "
        "est un triplet, et SPARQL permet de les interroger tous. Cette page montre ce qu’elle "
        "contient, comment elle est modélisée, et dix questions pour commencer.",
    ),
    "guide_contents": ("Contents", "Sommaire"),
    "guide_what": ("What is in the knowledge base", "Ce que contient la base"),
    "guide_what_text": (
        "Records by kind (each list can be filtered and downloaded as CSV); in all,",
        "Les fiches par type (chaque liste se filtre et se télécharge en CSV) ; en tout,",
    ),
    "triples": ("triples", "triplets"),
    "guide_graphs": (
        "Each data file is a named graph (graph/authorities, graph/awards…), with "
        "graph/ontology and graph/vocabularies; a query without FROM sees them all.",
        "Chaque fichier de données est un graphe nommé (graph/authorities, graph/awards…), "
        "avec graph/ontology et graph/vocabularies ; une requête sans FROM les voit tous.",
    ),
    "guide_model": ("The model", "Le modèle"),
    "guide_model_text": (
        "Drawn from the ontology (ontology/alliance.ttl) when the page is asked for, so it "
        "always matches the data.",
        "Dessiné à partir de l’ontologie (ontology/alliance.ttl) à chaque demande : il "
        "correspond toujours aux données.",
    ),
    "guide_model_caption": (
        "Boxes: classes, with their data properties. Solid arrows: links between records "
        "(from the property's domain to its range). Dashed arrows: subclass of.",
        "Boîtes : classes, avec leurs propriétés de données. Flèches pleines : liens entre "
        "fiches (du domaine de la propriété vers sa portée). Flèches pointillées : "
        "sous-classe de.",
    ),
    "guide_prefixes": ("Prefixes", "Préfixes"),
    "guide_prefixes_text": (
        "Declare the prefixes a query uses with PREFIX lines. In the query editor, typing a "
        "prefix of this list (alliance:, org:…) adds its PREFIX line for you.",
        "Déclarez les préfixes d’une requête avec des lignes PREFIX. Dans l’éditeur de "
        "requêtes, taper un préfixe de cette liste (alliance:, org:…) ajoute sa ligne PREFIX.",
    ),
    "prefix": ("Prefix", "Préfixe"),
    "namespace": ("Namespace", "Espace de noms"),
    "guide_questions": ("Ten questions", "Dix questions"),
    "guide_questions_text": (
        "Each one runs on the knowledge base as it is; open it in the editor to change it.",
        "Chacune s’exécute sur la base telle qu’elle est ; ouvrez-la dans l’éditeur pour la "
        "modifier.",
    ),
    "guide_run": ("Open in the query editor", "Ouvrir dans l’éditeur de requêtes"),
    "guide_sources": ("Tracing a fact to its source", "Remonter d’un fait à sa source"),
    "guide_sources_text": (
        "Every record names its sources (dcterms:source): web pages, or source records with "
        "a title where a page has no usable address. Record pages list them; in SPARQL:",
        "Chaque fiche nomme ses sources (dcterms:source) : des pages web, ou des fiches de "
        "source avec un titre quand une page n’a pas d’adresse utilisable. Les pages des "
        "fiches les affichent ; en SPARQL :",
    ),
    "guide_sources_record": ("the sources of a record:", "les sources d’une fiche :"),
    "cite_release": ("Release", "Version"),
    "dumps_title": ("Open data downloads", "Téléchargement des données ouvertes"),
    "dumps_intro": (
        "The whole knowledge base in every standard format, with the CSV tables, the "
        "ontology and the shapes: the same data the SPARQL endpoint answers from.",
        "Toute la base dans chaque format standard, avec les tables CSV, l’ontologie et les "
        "formes : les mêmes données que celles du point d’accès SPARQL.",
    ),
    "dumps_check": ("Check your downloads with", "Vérifiez vos téléchargements avec"),
    "releases_feed": ("Releases (Atom feed)", "Versions (flux Atom)"),
    "licence": ("Licence", "Licence"),
    "file": ("File", "Fichier"),
    "what": ("Contents", "Contenu"),
    "media_type": ("Media type", "Type de média"),
    "size": ("Size", "Taille"),
    "catalog_title": ("Data catalogue (DCAT-AP)", "Catalogue des données (DCAT-AP)"),
    "catalog_machine": (
        "For harvesters and scripts, the same catalogue as",
        "Pour les moissonneurs et les scripts, le même catalogue en",
    ),
    "catalog_catalog": ("Catalogue", "Catalogue"),
    "catalog_dataset": ("Dataset", "Jeu de données"),
    "catalog_distributions": ("Distributions", "Distributions"),
    "catalog_service": ("SPARQL service", "Service SPARQL"),
    "title_word": ("Title", "Titre"),
    "description": ("Description", "Description"),
    "publisher": ("Publisher", "Éditeur"),
    "issued": ("Issued", "Publié le"),
    "modified": ("Modified", "Modifié le"),
    "languages": ("Languages", "Langues"),
    "version": ("Version", "Version"),
    "period_covered": ("Period covered", "Période couverte"),
    "themes": ("Themes", "Thèmes"),
    "keywords": ("Keywords", "Mots-clés"),
    "contact": ("Contact", "Contact"),
    "format": ("Format", "Format"),
    "endpoint": ("Endpoint", "Point d’accès"),
    "standard": ("Standard", "Norme"),
    "formats_word": ("Result formats", "Formats de résultats"),
    "facet_member": ("Takes part in the Alliance", "Participe à l’Alliance"),
    "facet_signed": ("Signed the Declaration", "A signé la Déclaration"),
    "facet_laureate": ("Dosta! laureate", "Lauréat du prix Dosta!"),
    # punctuation: French puts a (non-breaking) space before a colon or a semicolon
    "colon": (":", "\u00a0:"),
    "semicolon": (";", "\u00a0;"),
    "yes": ("yes", "oui"),
    "no": ("no", "non"),
    "not_stated": ("not stated", "non précisé"),
    "year": ("Year", "Année"),
    "authority": ("City or region", "Ville ou région"),
    "member": ("City or region", "Ville ou région"),
    "document": ("Document", "Document"),
    "start_date": ("Start", "Début"),
    "end_date": ("End", "Fin"),
    "place": ("Place", "Lieu"),
    "vocabulary": ("Vocabulary", "Vocabulaire"),
    "name": ("Name", "Nom"),
    "filters": ("Filters", "Filtres"),
    "facet_more": (
        "and {n} more (narrow the list with words or other filters)",
        "et {n} autres (affinez avec des mots ou d’autres filtres)",
    ),
    "clear_filters": ("Clear the filters", "Effacer les filtres"),
    "filter_words": ("Words in the name or description", "Mots du nom ou de la description"),
    "filter_submit": ("Filter", "Filtrer"),
    "shown": ("records", "fiches"),
    "shown_one": ("record", "fiche"),
    "of": ("of", "sur"),
    "sort_by": ("Sort by", "Trier par"),
    "coverage_records": ("records in the knowledge base", "fiches dans la base"),
    "coverage_about": ("about", "environ"),
    "coverage_stated": ("the source states", "la source indique"),
    "coverage_partial": (
        "The records hold what public sources say; they are not the whole. See the sources of "
        "each record.",
        "Les fiches reprennent ce que disent les sources publiques ; elles ne sont pas "
        "exhaustives. Voir les sources de chaque fiche.",
    ),
    "practices_intro": (
        "The good practices of the Alliance's cities and regions, searchable by theme and by "
        "country, with who runs them, when, how mature they are and where the facts come from.",
        "Les bonnes pratiques des villes et régions de l’Alliance, par thème et par pays, avec "
        "qui les mène, quand, leur maturité et l’origine des informations.",
    ),
}

STRINGS.update(request_words.STRINGS)  # the request forms' and queue's own words


def gettext(key: str, lang: str) -> str:
    """The interface string `key` in `lang` (English when unknown)."""
    pair = STRINGS.get(key)
    if pair is None:
        # a kind of record nobody named yet ("kind_metric"): its IRI segment, not the key
        return key.removeprefix("kind_")
    return pair[1] if lang == "fr" else pair[0]


def parse_accept_language(header: str) -> list[tuple[str, float]]:
    """Language ranges of an Accept-Language header, best first (RFC 9110 §12.5.4)."""
    ranges: list[tuple[str, float]] = []
    for part in header.split(","):
        piece = part.strip()
        if not piece:
            continue
        tag, _, params = piece.partition(";")
        q = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                q = float(params[2:])
            except ValueError:
                q = 0.0
        ranges.append((tag.strip().lower(), q))
    ranges.sort(key=lambda r: -r[1])
    return ranges


def language_from(
    query: Mapping[str, str], cookies: Mapping[str, str], accept_language: str
) -> str:
    """The language for a request: query parameter, cookie, Accept-Language, English."""
    for given in (query.get("lang"), cookies.get(COOKIE)):
        if given in LANGUAGES:
            return str(given)
    for tag, q in parse_accept_language(accept_language):
        if q <= 0:
            continue
        primary = tag.split("-")[0]
        if primary in LANGUAGES:
            return primary
        if tag == "*":
            return DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


def choose_language(request: Request) -> str:
    return language_from(
        request.query_params, request.cookies, request.headers.get("accept-language", "")
    )
