## The language menu is the same in every file: it is shown before a language is chosen.
language-prompt =
    Language / Langue / Idioma / اللغة / Язык
lang-en = English
lang-fr = Français
lang-es = Español
lang-ar = العربية
lang-ru = Русский
label-language = Language

## Introduction: what this is, who reads it, the channel risk, how to erase.
intro-service =
    Welcome. This is a safe way to ask for protection if you are in danger because of your human rights work.
    Only our protection staff will read your answers. We never share them without your consent.
intro-risk =
    Warning: the phone company, and Telegram or Twilio, can see these messages on the way to us. Our protection starts when a message reaches us.
    Do not write what you would not want them to see.
intro-erase =
    You can stop at any time. Send DELETE to erase everything you told us. On Telegram, /wipe clears this chat. Send HELP for help.
consent-prompt = Do you agree that our protection staff read and keep your answers to help you?
label-consent = Consent
consent-declined = Understood. We kept nothing. You can write again at any time.

danger_now-prompt = Are you in danger right now?
label-danger_now = In danger now
danger-guidance =
    If you can, go to a safe place now, and delete messages that could harm you. We will ask only a few questions so we can act fast.

name-prompt = What name should we use for you? A nickname is fine.
label-name = Name
location_country-prompt = Which country are you in now?
label-location_country = Country now
location_detail-prompt = Which city or area? Send 0 to skip.
label-location_detail = City or area
nationality-prompt = What is your nationality? Write the country, e.g. Kenya.
label-nationality = Nationality

work_categories-prompt = What is your human rights work?
label-work_categories = Work
opt-work_categories-journalism = Journalism
opt-work_categories-legal = Lawyer or legal
opt-work_categories-land_environment = Land, environment
opt-work_categories-lgbtqi = LGBTQI rights
opt-work_categories-women_rights = Women's rights
opt-work_categories-labour = Workers' rights
opt-work_categories-minority_indigenous = Minority, indigenous
opt-work_categories-political_civic = Political, civic
opt-work_categories-health = Health
opt-work_categories-other = Other
work_description-prompt = In a few words, what do you do?
label-work_description = About the work

threat_types-prompt = What is happening to you?
label-threat_types = Threats
opt-threat_types-physical_attack = Physical attack
opt-threat_types-death_threat = Death threats
opt-threat_types-surveillance = Followed, watched
opt-threat_types-digital_attack = Phone or online attack
opt-threat_types-legal_harassment = Court cases
opt-threat_types-detention = Arrest
opt-threat_types-smear_campaign = Smear campaign
opt-threat_types-family_threat = Threats to family
opt-threat_types-forced_eviction = Eviction
opt-threat_types-other = Other
threat_description-prompt = In a few words, what happened?
label-threat_description = What happened
threat_since-prompt = Since when? For example: 3 weeks, 2 months, since 2023, or a date like 15/03/2024.
label-threat_since = Since

detention_status-prompt = Arrest or charges?
label-detention_status = Arrest, charges
opt-detention_status-detained_now_family = I or family detained now
opt-detention_status-detained_before = Detained before
opt-detention_status-charged = Charged, case open
opt-detention_status-at_risk = At risk of arrest
opt-detention_status-none = None

displacement-prompt = Where are you staying?
label-displacement = Staying
opt-displacement-at_home = At home
opt-displacement-moved_in_country = Moved in my country
opt-displacement-left_country = Left my country

family_at_risk-prompt = Is your family at risk too?
label-family_at_risk = Family at risk
family_count-prompt = How many family members are at risk? Send a number.
label-family_count = Family members

support_needed-prompt = What help do you need?
label-support_needed = Help needed
opt-support_needed-relocation_temporary = Move to safety for a while
opt-support_needed-relocation_abroad = Leave the country
opt-support_needed-legal = Lawyer
opt-support_needed-medical = Medical
opt-support_needed-psychosocial = Emotional support
opt-support_needed-digital_security = Phone, online safety
opt-support_needed-financial = Money
opt-support_needed-advocacy = Public support
opt-support_needed-other = Other

contact_safe-prompt = Is it safe for us to contact you on this phone or account?
label-contact_safe = This channel safe
contact_methods-prompt = How can we contact you safely?
label-contact_methods = Contact by
opt-contact_methods-this_channel = Here
opt-contact_methods-signal = Signal
opt-contact_methods-whatsapp = WhatsApp
opt-contact_methods-email = Email
opt-contact_methods-phone_call = Phone call
opt-contact_methods-other = Other
contact_details-prompt = How and when is it safe to reach you? (number or address, days and times)
label-contact_details = Safe contact

## Review and submit.
review-summary-title = Your answers:
review-prompt = Send your request now?
opt-review-send = Yes, send it
opt-review-change = Change an answer
review-pick-prompt = Which answer do you want to change? Send its number from the list of your answers.
submit-done =
    Thank you. We received your request. Your reference is { $reference }.
    Our protection staff will contact you in the way you chose. Send DELETE to erase your data.

## Values in the review summary.
yes = Yes
no = No
value-skipped = (skipped)
value-days-ago = about { $days } days ago

## Hints and re-prompts.
hint-multiple = Send all numbers that fit, e.g. 1 3
done-label = Done
invalid-choice = Please send one number from the list.
invalid-multiple = Please send the numbers from the list, e.g. 1 3
invalid-yesno = Please send 1 for Yes or 2 for No.
invalid-text-empty = Please write a short answer.
invalid-text-long = Please keep it shorter: { $max } characters at most.
invalid-number = Please send a number from { $min } to { $max }.
invalid-country = I did not find that country. Please write its name again, or its 2-letter code (e.g. CD).
invalid-since = Please write how long ago, like 3 weeks or 2 months, or a date like 15/03/2024.
invalid-unsupported = I can only read text. Please type your answer.
invalid-stale = That button is from an earlier question. Here is the current one.
help-offer = Having trouble? Send HELP for help, or BACK to go back.

## Commands.
help =
    Reply to each question with text or a number.
    BACK: previous question. RESTART: start again. LANGUAGE: change language. DELETE: erase all you told us. STOP: no more SMS.
back-at-start = This is the first question.
delete-confirm = Erase everything you told us? This cannot be undone.
delete-done = Done. We erased your data. Stay safe.
delete-cancelled = Nothing was erased. Let us continue.
wipe-started = Clearing this chat now. Your answers are still kept; send /delete to erase them.
wipe-sms = We cannot clear SMS on your phone. Please delete these messages yourself.
stop-done = You will get no more messages from us. Send START to continue. Your answers are kept; send DELETE to erase them.
welcome-back = Welcome back. Let us continue.
reminder = Your answers are kept for { $hours } more hours. Reply to continue, or send DELETE to erase them.
rate-limited = You are sending messages very fast. Please wait a minute, then reply.
flow-changed = Our questions have changed since your last message, sorry. Let us start again.
