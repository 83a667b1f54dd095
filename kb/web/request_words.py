"""The words of the request forms and of the curators' queue, in English and French.

Kept apart from `kb.web.i18n` (which merges them into its table) because there are many:
the forms' labels, hints and messages, the consent, the queue's pages. Keys start with
`rq_`. A message may hold `{max}`, `{first}`, `{last}`, `{days}`, `{minutes}`, `{n}`.
"""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    # -- the invitation on the landing page and the record pages
    "rq_invite_title": ("Is your city not here?", "Votre ville n’est pas là ?"),
    "rq_invite_text": (
        "Cities and regions of the Council of Europe’s member states can ask to take part in "
        "the Alliance; organisations of civil society can propose cooperation.",
        "Les villes et régions des États membres du Conseil de l’Europe peuvent demander à "
        "participer à l’Alliance ; les organisations de la société civile peuvent proposer "
        "une coopération.",
    ),
    "rq_invite_join": ("Ask to take part", "Demander à participer"),
    "rq_invite_cooperate": ("Propose cooperation (NGOs)", "Proposer une coopération (ONG)"),
    # -- the forms
    "rq_join_title": (
        "Take part in the Alliance: a request from a city or region",
        "Participer à l’Alliance : demande d’une ville ou d’une région",
    ),
    "rq_cooperate_title": (
        "Cooperate with the Alliance: a proposal from an NGO",
        "Coopérer avec l’Alliance : proposition d’une ONG",
    ),
    "rq_join_intro": (
        "Cities and regions of the Council of Europe’s member states can take part in the "
        "European Alliance of Cities and Regions for Roma Inclusion. Tell us about yours: the "
        "Alliance’s curators read every request and write to you.",
        "Les villes et régions des États membres du Conseil de l’Europe peuvent participer à "
        "l’Alliance européenne des villes et des régions pour l’inclusion des Roms. "
        "Présentez-nous la vôtre : les curateurs de l’Alliance lisent chaque demande et vous "
        "écrivent.",
    ),
    "rq_cooperate_intro": (
        "Organisations of civil society working for the inclusion of Roma and Travellers can "
        "propose cooperation to the Alliance. The Alliance’s curators read every proposal and "
        "write to you.",
        "Les organisations de la société civile qui œuvrent pour l’inclusion des Roms et des "
        "Gens du voyage peuvent proposer une coopération à l’Alliance. Les curateurs de "
        "l’Alliance lisent chaque proposition et vous écrivent.",
    ),
    "rq_publication_note": (
        "Once the request is accepted, what it says about the city, region or organisation "
        "(its name, country, good practice) may be published in this knowledge base, citing "
        "the request as its source. The contact person’s details are never published.",
        "Une fois la demande acceptée, ce qu’elle dit de la ville, de la région ou de "
        "l’organisation (son nom, son pays, sa bonne pratique) peut être publié dans cette "
        "base de connaissances, avec la demande pour source. Les coordonnées de la personne "
        "de contact ne sont jamais publiées.",
    ),
    "rq_required_note": ("Fields marked * are required.", "Les champs marqués * sont requis."),
    "rq_optional": ("optional", "facultatif"),
    "rq_section_authority": ("Your city or region", "Votre ville ou région"),
    "rq_section_organisation": ("The organisation", "L’organisation"),
    "rq_section_contact": ("Contact person", "Personne de contact"),
    "rq_section_request": ("Your request", "Votre demande"),
    "rq_section_practice": ("A good practice (optional)", "Une bonne pratique (facultatif)"),
    "rq_section_consent": ("Your contact details", "Vos coordonnées"),
    "rq_practice_intro": (
        "If your city or region runs a policy or project for Roma inclusion that others could "
        "learn from, describe it briefly.",
        "Si votre ville ou région mène une politique ou un projet d’inclusion des Roms dont "
        "d’autres pourraient s’inspirer, décrivez-le brièvement.",
    ),
    "rq_f_authority_name": (
        "Name of the city or region, as written locally",
        "Nom de la ville ou de la région, tel qu’il s’écrit localement",
    ),
    "rq_h_authority_name": (
        "For example Łódź, Szeged or Reggio nell’Emilia.",
        "Par exemple Łódź, Szeged ou Reggio nell’Emilia.",
    ),
    "rq_f_authority_name_en": (
        "Its name in English, if different",
        "Son nom en anglais, s’il diffère",
    ),
    "rq_f_authority_name_fr": (
        "Its name in French, if there is one",
        "Son nom en français, s’il en existe un",
    ),
    "rq_f_authority_type": ("It is", "Il s’agit"),
    "rq_o_municipality": (
        "a municipality (a city, town or village)",
        "d’une commune (ville ou village)",
    ),
    "rq_o_region": ("a region", "d’une région"),
    "rq_f_country": ("Country", "Pays"),
    "rq_o_choose_country": (
        "Choose a member state of the Council of Europe",
        "Choisissez un État membre du Conseil de l’Europe",
    ),
    "rq_f_contact_name": ("Your name", "Votre nom"),
    "rq_f_contact_role": ("Your role", "Votre fonction"),
    "rq_h_contact_role": (
        "For example mayor, deputy mayor, officer for Roma inclusion.",
        "Par exemple maire, adjoint au maire, chargé de l’inclusion des Roms.",
    ),
    "rq_f_contact_email": ("E-mail address", "Adresse électronique"),
    "rq_f_contact_phone": ("Telephone", "Téléphone"),
    "rq_h_contact_phone": (
        "With the country code, for example +36 62 564 364.",
        "Avec l’indicatif du pays, par exemple +33 3 88 41 20 00.",
    ),
    "rq_f_motivation": (
        "Why does your city or region want to take part?",
        "Pourquoi votre ville ou région souhaite-t-elle participer ?",
    ),
    "rq_f_practice_title": ("Title of the practice", "Titre de la pratique"),
    "rq_f_practice_description": ("What it does", "Ce qu’elle fait"),
    "rq_f_practice_themes": ("Themes", "Thèmes"),
    "rq_f_practice_start_year": ("Started in (year)", "Commencée en (année)"),
    "rq_f_practice_end_year": ("Ended in (year)", "Terminée en (année)"),
    "rq_h_practice_end_year": (
        "Leave it empty if the practice is still running.",
        "Laissez vide si la pratique continue.",
    ),
    "rq_f_organisation_name": (
        "Name of the organisation, as it writes it",
        "Nom de l’organisation, tel qu’elle l’écrit",
    ),
    "rq_f_organisation_name_en": (
        "Its name in English, if different",
        "Son nom en anglais, s’il diffère",
    ),
    "rq_f_organisation_name_fr": (
        "Its name in French, if different",
        "Son nom en français, s’il diffère",
    ),
    "rq_f_organisation_country": ("Country where it is based", "Pays où elle est établie"),
    "rq_o_other_country": ("Elsewhere, or international", "Ailleurs, ou internationale"),
    "rq_f_field_of_work": ("Field of work", "Domaine d’action"),
    "rq_h_field_of_work": (
        "What the organisation does, and where.",
        "Ce que fait l’organisation, et où.",
    ),
    "rq_f_proposal": ("Your proposal of cooperation", "Votre proposition de coopération"),
    "rq_f_consent": ("Consent", "Consentement"),
    "rq_consent_text": (
        "I agree that the curators of the Alliance’s knowledge base keep my name, role, e-mail "
        "address and telephone number to handle this request. They are never published, and "
        "they are erased {days} days after the request has been decided.",
        "J’accepte que les curateurs de la base de connaissances de l’Alliance conservent mon "
        "nom, ma fonction, mon adresse électronique et mon numéro de téléphone pour traiter "
        "cette demande. Ils ne sont jamais publiés, et ils sont effacés {days} jours après "
        "la décision sur la demande.",
    ),
    "rq_honeypot": ("Leave this field empty", "Laissez ce champ vide"),
    "rq_join_submit": ("Send the request", "Envoyer la demande"),
    "rq_cooperate_submit": ("Send the proposal", "Envoyer la proposition"),
    # -- messages next to the fields
    "rq_err_required": ("Please fill in this field.", "Veuillez remplir ce champ."),
    "rq_err_required_choice": ("Please choose one.", "Veuillez en choisir un."),
    "rq_err_consent": (
        "We can handle the request only with your consent to keep your contact details.",
        "Nous ne pouvons traiter la demande qu’avec votre accord pour conserver vos coordonnées.",
    ),
    "rq_err_too_long": (
        "At most {max} characters, please.",
        "{max} caractères au plus, s’il vous plaît.",
    ),
    "rq_err_choice": (
        "Please choose one of the options offered.",
        "Veuillez choisir l’une des options proposées.",
    ),
    "rq_err_email": (
        "This does not look like an e-mail address (name@example.org).",
        "Ceci ne ressemble pas à une adresse électronique (nom@exemple.fr).",
    ),
    "rq_err_phone": (
        "A telephone number has at least 6 digits, and may have +, spaces, dots, hyphens or "
        "brackets.",
        "Un numéro de téléphone a au moins 6 chiffres, et peut avoir +, des espaces, des "
        "points, des tirets ou des parenthèses.",
    ),
    "rq_err_year": (
        "A year of four digits, from {first} to {last}.",
        "Une année de quatre chiffres, de {first} à {last}.",
    ),
    "rq_err_years_order": (
        "The practice cannot end before it starts.",
        "La pratique ne peut pas finir avant de commencer.",
    ),
    "rq_err_practice_title": (
        "Give the practice a title, or leave all the practice’s fields empty.",
        "Donnez un titre à la pratique, ou laissez vides tous ses champs.",
    ),
    "rq_err_slug": (
        "Lower-case letters, digits and single hyphens (szeged, reggio-nell-emilia).",
        "Lettres minuscules, chiffres et tirets simples (szeged, reggio-nell-emilia).",
    ),
    "rq_err_date": (
        "A year (2019), a month (2019-05) or a day (2019-05-06).",
        "Une année (2019), un mois (2019-05) ou un jour (2019-05-06).",
    ),
    "rq_err_number": ("A whole number from 1.", "Un nombre entier à partir de 1."),
    "rq_errors_summary": (
        "The form was not sent: please correct the fields below ({n}). Nothing you typed is lost.",
        "Le formulaire n’a pas été envoyé : veuillez corriger les champs ci-dessous ({n}). "
        "Rien de ce que vous avez saisi n’est perdu.",
    ),
    "rq_too_many": (
        "Too many forms were sent from your connection. Please wait {minutes} minutes and send "
        "it again: nothing you typed is lost.",
        "Trop de formulaires ont été envoyés depuis votre connexion. Veuillez patienter "
        "{minutes} minutes et l’envoyer à nouveau : rien de ce que vous avez saisi n’est perdu.",
    ),
    "rq_token_expired": (
        "The form’s security token was out of date (or cookies are blocked for this site). "
        "Please send the form again: nothing you typed is lost.",
        "Le jeton de sécurité du formulaire était périmé (ou les cookies sont bloqués pour ce "
        "site). Veuillez envoyer le formulaire à nouveau : rien de ce que vous avez saisi "
        "n’est perdu.",
    ),
    "rq_store_full": (
        "The queue of requests is full just now. Please try again in a few days: nothing you "
        "typed is lost.",
        "La file des demandes est pleine pour le moment. Veuillez réessayer dans quelques "
        "jours : rien de ce que vous avez saisi n’est perdu.",
    ),
    "rq_too_large": (
        "The form is larger than the server accepts ({max} bytes). Go back, shorten the "
        "longest texts and send it again.",
        "Le formulaire dépasse la taille que le serveur accepte ({max} octets). Revenez en "
        "arrière, raccourcissez les textes les plus longs et envoyez-le à nouveau.",
    ),
    "rq_length_required": (
        "The form must be sent with its length (Content-Length).",
        "Le formulaire doit être envoyé avec sa longueur (Content-Length).",
    ),
    # -- after sending
    "rq_sent_title": ("Thank you: your request was received", "Merci : votre demande a été reçue"),
    "rq_sent_text": (
        "The Alliance’s curators will read it and write to you at the e-mail address you gave. "
        "Your contact details are kept only to handle the request, and erased {days} days "
        "after it has been decided.",
        "Les curateurs de l’Alliance la liront et vous écriront à l’adresse électronique que "
        "vous avez donnée. Vos coordonnées ne sont conservées que pour traiter la demande, et "
        "sont effacées {days} jours après la décision.",
    ),
    "rq_back_home": ("Back to the knowledge base", "Retour à la base de connaissances"),
    # -- the curators' queue
    "rq_queue_title": ("Requests", "Demandes"),
    "rq_queue_intro": (
        "Requests sent through the public forms. None of them is public: accepting one creates "
        "its records through the write path (validated, in the history under your name).",
        "Demandes envoyées par les formulaires publics. Aucune n’est publique : en accepter "
        "une crée ses fiches par le chemin d’écriture (validées, dans l’historique sous votre "
        "nom).",
    ),
    "rq_status_pending": ("Pending", "En attente"),
    "rq_status_accepted": ("Accepted", "Acceptées"),
    "rq_status_rejected": ("Rejected", "Rejetées"),
    "rq_status_all": ("All", "Toutes"),
    "rq_none": ("No request here.", "Aucune demande ici."),
    "rq_page_range": (
        "Requests {first} to {last} of {total}.",
        "Demandes {first} à {last} sur {total}.",
    ),
    "rq_pages": ("Pages of the queue", "Pages de la file"),
    "rq_previous": ("Previous", "Précédentes"),
    "rq_next": ("Next", "Suivantes"),
    "rq_kind_join": ("asks to take part", "demande à participer"),
    "rq_kind_cooperate": ("proposes cooperation", "propose une coopération"),
    "rq_received": ("Received", "Reçue le"),
    "rq_decided": ("Decided", "Décidée le"),
    "rq_by": ("by", "par"),
    "rq_review": ("Review", "Examiner"),
    "rq_request_title": ("Request {id}", "Demande {id}"),
    "rq_what_was_sent": ("What was sent", "Ce qui a été envoyé"),
    "rq_contact": ("Contact (not public)", "Contact (non public)"),
    "rq_contact_erased": (
        "The contact details were erased at the end of the retention period.",
        "Les coordonnées ont été effacées à la fin de la durée de conservation.",
    ),
    "rq_duplicates": ("Possible duplicates", "Doublons possibles"),
    "rq_no_duplicates": (
        "No record with the same or a similar name in that country.",
        "Aucune fiche du même nom ou d’un nom proche dans ce pays.",
    ),
    "rq_how_same": ("same name", "même nom"),
    "rq_how_contained": ("name contained", "nom contenu"),
    "rq_how_similar": ("similar name (distance {n})", "nom proche (distance {n})"),
    "rq_country_unknown": ("country not recorded", "pays non enregistré"),
    "rq_similar_requests": ("Other requests like this one", "Autres demandes semblables"),
    "rq_proposal": ("Proposed records", "Fiches proposées"),
    "rq_proposal_intro": (
        "What accepting creates, as it will be written to data/ (the readable view, and the "
        "Turtle).",
        "Ce que l’acceptation crée, tel que ce sera écrit dans data/ (vue lisible, et Turtle).",
    ),
    "rq_turtle": ("Turtle", "Turtle"),
    "rq_exists_same": (
        "exists already, exactly so (created by an earlier attempt): it is kept",
        "existe déjà, à l’identique (créée par une tentative précédente) : elle est gardée",
    ),
    "rq_exists_other": (
        "exists already with another description: change the slug, or choose the existing record",
        "existe déjà avec une autre description : changez le slug, ou choisissez la fiche "
        "existante",
    ),
    "rq_validation": ("Validation (SHACL)", "Validation (SHACL)"),
    "rq_conforms": (
        "The knowledge base with these records conforms.",
        "La base de connaissances avec ces fiches est conforme.",
    ),
    "rq_refused": (
        "Violations: the proposal cannot be accepted as it is. Edit it below.",
        "Violations : la proposition ne peut pas être acceptée telle quelle. Modifiez-la "
        "ci-dessous.",
    ),
    "rq_refused_in_list": (
        "Violations: the proposal cannot be accepted as it is; edit it on its review page.",
        "Violations : la proposition ne peut pas être acceptée telle quelle ; modifiez-la sur "
        "sa page d’examen.",
    ),
    "rq_no_write_path": (
        "This server has no write path (an external or read-only store): requests are "
        "accepted on the server that holds data/ in memory.",
        "Ce serveur n’a pas de chemin d’écriture (entrepôt externe ou en lecture seule) : les "
        "demandes s’acceptent sur le serveur qui tient data/ en mémoire.",
    ),
    "rq_draft_errors": (
        "The draft has values that cannot become records: see the fields marked below.",
        "Le brouillon a des valeurs qui ne peuvent pas devenir des fiches : voir les champs "
        "signalés ci-dessous.",
    ),
    "rq_edit": ("Edit, then accept", "Modifier, puis accepter"),
    "rq_edit_intro": (
        "The records are made from these values. Check shows the records and the validation "
        "again without creating anything; Accept creates them.",
        "Les fiches sont faites de ces valeurs. Vérifier montre à nouveau les fiches et la "
        "validation sans rien créer ; Accepter les crée.",
    ),
    "rq_d_authority": ("City or region", "Ville ou région"),
    "rq_d_new_authority": ("a new record", "une nouvelle fiche"),
    "rq_d_authority_slug": ("Slug of the new record", "Slug de la nouvelle fiche"),
    "rq_d_authority_type": ("Type", "Type"),
    "rq_d_name_en": ("Name in English (skos:prefLabel @en)", "Nom en anglais (skos:prefLabel @en)"),
    "rq_d_name_fr": ("Name in French (skos:prefLabel @fr)", "Nom en français (skos:prefLabel @fr)"),
    "rq_d_local_name": (
        "Name as written locally (skos:altLabel)",
        "Nom tel qu’écrit localement (skos:altLabel)",
    ),
    "rq_d_country": ("Country", "Pays"),
    "rq_d_no_country": ("not stated", "non précisé"),
    "rq_d_membership": (
        "Create its membership of the Alliance",
        "Créer sa participation à l’Alliance",
    ),
    "rq_d_membership_start": ("Participant since", "Participe depuis"),
    "rq_d_participant_number": ("Participant number", "Numéro de participant"),
    "rq_d_practice": ("Create the good practice", "Créer la bonne pratique"),
    "rq_d_practice_slug": ("Slug of the practice", "Slug de la pratique"),
    "rq_d_practice_title_en": ("Title in English", "Titre en anglais"),
    "rq_d_practice_title_fr": ("Title in French", "Titre en français"),
    "rq_d_practice_description_en": ("Description in English", "Description en anglais"),
    "rq_d_practice_description_fr": ("Description in French", "Description en français"),
    "rq_d_practice_themes": ("Themes", "Thèmes"),
    "rq_d_practice_start": ("Start", "Début"),
    "rq_d_practice_end": ("End", "Fin"),
    "rq_d_practice_in_database": (
        "It is in the Council of Europe’s database of good practices",
        "Elle figure dans la base de bonnes pratiques du Conseil de l’Europe",
    ),
    "rq_d_organisation_slug": ("Slug of the organisation", "Slug de l’organisation"),
    "rq_d_description_en": ("Description in English", "Description en anglais"),
    "rq_d_description_fr": ("Description in French", "Description en français"),
    "rq_h_date": (
        "A year, a month (2019-05) or a day (2019-05-06), as precise as known; empty if unknown.",
        "Une année, un mois (2019-05) ou un jour (2019-05-06), aussi précis que connu ; vide "
        "si inconnu.",
    ),
    "rq_check": ("Check", "Vérifier"),
    "rq_accept": ("Accept: create the records", "Accepter : créer les fiches"),
    "rq_reject": ("Reject", "Rejeter"),
    "rq_reject_reason": ("Reason (kept for curators)", "Motif (gardé pour les curateurs)"),
    "rq_reject_needs_reason": (
        "Say why the request is rejected.",
        "Dites pourquoi la demande est rejetée.",
    ),
    "rq_accepted_note": (
        "Accepted: these records were created.",
        "Acceptée : ces fiches ont été créées.",
    ),
    "rq_rejected_note": ("Rejected. Reason:", "Rejetée. Motif :"),
    "rq_last_attempt": ("Last attempt to accept", "Dernière tentative d’acceptation"),
    "rq_decided_already": (
        "This request is no longer pending.",
        "Cette demande n’est plus en attente.",
    ),
    "rq_not_found": ("No such request.", "Aucune demande de ce numéro."),
}
