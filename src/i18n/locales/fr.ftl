## Le menu des langues est le même dans chaque fichier.
language-prompt =
    Language / Langue / Idioma / اللغة / Язык
label-language = Langue

intro-service =
    Bienvenue. Ce service permet de demander une protection si votre travail pour les droits humains vous met en danger.
    Seule notre équipe de protection lira vos réponses.
intro-risk =
    Attention : l'opérateur, Telegram ou Twilio peuvent voir ces messages en route. Notre protection commence quand ils nous arrivent. N'écrivez rien de trop risqué.
intro-erase =
    Vous pouvez cesser à tout moment. Envoyez SUPPRIMER pour tout effacer. Sur Telegram, /wipe vide ce chat. AIDE pour de l'aide.
consent-prompt = Acceptez-vous que notre équipe de protection lise et garde vos réponses pour vous aider ?
label-consent = Accord
consent-declined = Compris. Nous n'avons rien gardé. Vous pouvez écrire à tout moment.

danger_now-prompt = Etes-vous en danger en ce moment ?
label-danger_now = En danger
danger-guidance =
    Si possible, allez dans un endroit protégé et effacez les messages qui peuvent vous nuire. Nous posons peu de questions pour agir vite.

name-prompt = Quel nom utiliser pour vous ? Un surnom suffit.
label-name = Nom
location_country-prompt = Dans quel pays vous trouvez-vous en ce moment ?
label-location_country = Pays actuel
location_detail-prompt = Quelle ville ou région ? Envoyez 0 pour passer.
label-location_detail = Ville, région
nationality-prompt = Quelle est votre nationalité ? Ecrivez le pays, ex. Kenya.
label-nationality = Nationalité

work_categories-prompt = Quel est votre travail pour les droits humains ?
label-work_categories = Travail
opt-work_categories-journalism = Journalisme
opt-work_categories-legal = Avocat, juridique
opt-work_categories-land_environment = Terre, environnement
opt-work_categories-lgbtqi = Droits LGBTQI
opt-work_categories-women_rights = Droits des femmes
opt-work_categories-labour = Droits des travailleurs
opt-work_categories-minority_indigenous = Minorités, autochtones
opt-work_categories-political_civic = Politique, civique
opt-work_categories-health = Santé
opt-work_categories-other = Autre
work_description-prompt = En quelques mots, que faites-vous ?
label-work_description = Le travail

threat_types-prompt = Que vous arrive-t-il ?
label-threat_types = Menaces
opt-threat_types-physical_attack = Agression physique
opt-threat_types-death_threat = Menaces de mort
opt-threat_types-surveillance = Suivi, surveillé
opt-threat_types-digital_attack = Attaque en ligne
opt-threat_types-legal_harassment = Procès, plaintes
opt-threat_types-detention = Arrestation
opt-threat_types-smear_campaign = Diffamation
opt-threat_types-family_threat = Famille menacée
opt-threat_types-forced_eviction = Expulsion
opt-threat_types-other = Autre
threat_description-prompt = En quelques mots, que s'est-il passé ?
label-threat_description = Les faits
threat_since-prompt = Depuis quand ? Par exemple : 3 semaines, 2 mois, depuis 2023, ou une date comme 15/03/2024.
label-threat_since = Depuis

detention_status-prompt = Arrestation ou poursuites ?
label-detention_status = Arrestation
opt-detention_status-detained_now_family = Moi ou un proche détenu
opt-detention_status-detained_before = Déjà détenu avant
opt-detention_status-charged = Poursuivi, procès en cours
opt-detention_status-at_risk = Risque d'arrestation
opt-detention_status-none = Rien de cela

displacement-prompt = Où vivez-vous en ce moment ?
label-displacement = Logement
opt-displacement-at_home = Chez moi
opt-displacement-moved_in_country = Ailleurs dans mon pays
opt-displacement-left_country = J'ai quitté mon pays

family_at_risk-prompt = Votre famille est-elle aussi en danger ?
label-family_at_risk = Famille en danger
family_count-prompt = Combien de proches sont en danger ? Envoyez un nombre.
label-family_count = Proches

support_needed-prompt = De quelle aide avez-vous besoin ?
label-support_needed = Aide
opt-support_needed-relocation_temporary = Me mettre à l'abri un temps
opt-support_needed-relocation_abroad = Quitter le pays
opt-support_needed-legal = Avocat
opt-support_needed-medical = Soins
opt-support_needed-psychosocial = Soutien moral
opt-support_needed-digital_security = Sécurité téléphone, web
opt-support_needed-financial = Argent
opt-support_needed-advocacy = Soutien public
opt-support_needed-other = Autre

contact_safe-prompt = Pouvons-nous vous contacter sans danger sur ce téléphone ou ce compte ?
label-contact_safe = Canal sans danger
contact_methods-prompt = Comment vous contacter sans danger ?
label-contact_methods = Contact par
opt-contact_methods-this_channel = Ici
opt-contact_methods-signal = Signal
opt-contact_methods-whatsapp = WhatsApp
opt-contact_methods-email = E-mail
opt-contact_methods-phone_call = Appel
opt-contact_methods-other = Autre
contact_details-prompt = Comment et quand vous joindre sans danger ? (numéro ou adresse, jours et heures)
label-contact_details = Moyens de contact

review-summary-title = Vos réponses :
review-prompt = Envoyer votre demande maintenant ?
opt-review-send = Oui, envoyer
opt-review-change = Changer une réponse
review-pick-prompt = Quelle réponse voulez-vous changer ? Envoyez son numéro dans la liste de vos réponses.
submit-done =
    Merci. Votre demande est bien arrivée. Votre référence : { $reference }.
    Notre équipe vous contactera comme vous l'avez choisi. SUPPRIMER pour effacer vos données.

yes = Oui
no = Non
value-skipped = (passé)
value-days-ago = il y a environ { $days } jours

hint-multiple = Envoyez les numéros qui conviennent, ex. 1 3
done-label = Terminé
invalid-choice = Envoyez un seul numéro de la liste, s'il vous plait.
invalid-multiple = Envoyez les numéros de la liste, ex. 1 3
invalid-yesno = Envoyez 1 pour Oui ou 2 pour Non.
invalid-text-empty = Ecrivez une réponse courte, s'il vous plait.
invalid-text-long = Plus court, s'il vous plait : { $max } caractères au plus.
invalid-number = Envoyez un nombre de { $min } à { $max }.
invalid-country = Je n'ai pas trouvé ce pays. Ecrivez son nom à nouveau, ou son code à 2 lettres (ex. CD).
invalid-since = Ecrivez depuis combien de temps, comme 3 semaines ou 2 mois, ou une date comme 15/03/2024.
invalid-unsupported = Je ne lis que le texte. Ecrivez votre réponse, s'il vous plait.
invalid-stale = Ce bouton vient d'une question précédente. Voici la question actuelle.
help-offer = Un souci ? Envoyez AIDE, ou RETOUR pour revenir en arrière.

help =
    Répondez par un texte ou un numéro.
    RETOUR : question précédente. RECOMMENCER : depuis le début. LANGUE : changer de langue. SUPPRIMER : tout effacer. STOP : plus de SMS.
back-at-start = C'est la première question.
delete-confirm = Effacer tout ce que vous nous avez dit ? C'est définitif.
delete-done = C'est fait. Vos données sont effacées. Prenez soin de vous.
delete-cancelled = Rien n'a été effacé. Continuons.
wipe-started = Ce chat est en cours d'effacement. Vos réponses restent gardées ; /delete pour les effacer.
wipe-sms = Nous ne pouvons pas effacer les SMS sur votre téléphone : supprimez-les, s'il vous plait.
stop-done = Vous ne recevrez plus de messages. Envoyez START pour reprendre. Vos réponses restent gardées ; SUPPRIMER pour les effacer.
welcome-back = Bon retour. Continuons.
reminder = Vos réponses sont gardées encore { $hours } heures. Répondez pour continuer, ou SUPPRIMER pour les effacer.
rate-limited = Vous envoyez des messages très vite. Attendez une minute, puis répondez.
flow-changed = Nos questions ont changé depuis votre dernier message, désolés. Reprenons depuis le début.
