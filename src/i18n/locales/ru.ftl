## Меню языков одинаково во всех файлах.
language-prompt =
    Language / Langue / Idioma / اللغة / Язык
label-language = Язык

intro-service =
    Здравствуйте. Здесь можно попросить защиты, если вы в опасности из-за работы по правам человека.
    Ваши ответы прочтёт только наша команда защиты.
intro-risk =
    Внимание: оператор связи, Telegram и Twilio могут видеть эти сообщения в пути. Наша защита начинается, когда они дошли до нас. Не пишите лишнего.
intro-erase =
    Можно остановиться в любой момент. Отправьте УДАЛИТЬ, чтобы стереть всё. В Telegram /wipe очищает чат. ПОМОЩЬ - справка.
consent-prompt = Вы согласны, чтобы наша команда защиты читала и хранила ваши ответы, чтобы помочь вам?
label-consent = Согласие
consent-declined = Понятно. Мы ничего не сохранили. Пишите в любое время.

danger_now-prompt = Вы в опасности прямо сейчас?
label-danger_now = В опасности
danger-guidance =
    Если можете, уйдите в безопасное место и удалите опасные для вас сообщения. Мы зададим мало вопросов, чтобы действовать быстро.

name-prompt = Как к вам обращаться? Можно псевдоним.
label-name = Имя
location_country-prompt = В какой стране вы сейчас?
label-location_country = Страна сейчас
location_detail-prompt = Какой город или район? Отправьте 0, чтобы пропустить.
label-location_detail = Город, район
nationality-prompt = Ваше гражданство? Напишите страну, напр. Кения.
label-nationality = Гражданство

work_categories-prompt = Ваша работа по правам человека?
label-work_categories = Работа
opt-work_categories-journalism = Журналистика
opt-work_categories-legal = Юрист
opt-work_categories-land_environment = Земля, экология
opt-work_categories-lgbtqi = Права ЛГБТИ
opt-work_categories-women_rights = Права женщин
opt-work_categories-labour = Права рабочих
opt-work_categories-minority_indigenous = Меньшинства
opt-work_categories-political_civic = Политика
opt-work_categories-health = Здоровье
opt-work_categories-other = Другое
work_description-prompt = Коротко: чем вы занимаетесь?
label-work_description = О работе

threat_types-prompt = Что с вами происходит?
label-threat_types = Угрозы
opt-threat_types-physical_attack = Нападение
opt-threat_types-death_threat = Угрозы убить
opt-threat_types-surveillance = Слежка
opt-threat_types-digital_attack = Взлом, атака в сети
opt-threat_types-legal_harassment = Суды, иски
opt-threat_types-detention = Арест
opt-threat_types-smear_campaign = Травля в СМИ
opt-threat_types-family_threat = Угрозы семье
opt-threat_types-forced_eviction = Выселение
opt-threat_types-other = Другое
threat_description-prompt = Коротко: что случилось?
label-threat_description = Что случилось
threat_since-prompt = С какого времени? Например: 3 недели, 2 месяца, с 2023, или дата 15.03.2024.
label-threat_since = С какого времени

detention_status-prompt = Арест или обвинения?
label-detention_status = Арест
opt-detention_status-detained_now_family = Я или родные под арестом
opt-detention_status-detained_before = Был(а) под арестом
opt-detention_status-charged = Обвинение, дело
opt-detention_status-at_risk = Могут арестовать
opt-detention_status-none = Нет

displacement-prompt = Где вы сейчас живёте?
label-displacement = Где живёте
opt-displacement-at_home = Дома
opt-displacement-moved_in_country = В другом месте в стране
opt-displacement-left_country = Уехал(а) из страны

family_at_risk-prompt = Ваша семья тоже в опасности?
label-family_at_risk = Семья в опасности
family_count-prompt = Сколько членов семьи в опасности? Отправьте число.
label-family_count = Членов семьи

support_needed-prompt = Какая помощь нужна?
label-support_needed = Помощь
opt-support_needed-relocation_temporary = Укрыться на время
opt-support_needed-relocation_abroad = Уехать из страны
opt-support_needed-legal = Юрист
opt-support_needed-medical = Врач
opt-support_needed-psychosocial = Психолог
opt-support_needed-digital_security = Цифровая защита
opt-support_needed-financial = Деньги
opt-support_needed-advocacy = Огласка
opt-support_needed-other = Другое

contact_safe-prompt = Безопасно ли связываться с вами по этому телефону или аккаунту?
label-contact_safe = Канал безопасен
contact_methods-prompt = Как безопасно с вами связаться?
label-contact_methods = Связь через
opt-contact_methods-this_channel = Здесь
opt-contact_methods-signal = Signal
opt-contact_methods-whatsapp = WhatsApp
opt-contact_methods-email = Эл. почта
opt-contact_methods-phone_call = Звонок
opt-contact_methods-other = Другое
contact_details-prompt = Как и когда безопасно с вами связаться? (номер или адрес, дни и часы)
label-contact_details = Безопасная связь

review-summary-title = Ваши ответы:
review-prompt = Отправить вашу просьбу сейчас?
opt-review-send = Да, отправить
opt-review-change = Изменить ответ
review-pick-prompt = Какой ответ изменить? Отправьте его номер из списка ваших ответов.
submit-done =
    Спасибо. Мы получили вашу просьбу. Ваш номер: { $reference }.
    Команда защиты свяжется с вами, как вы выбрали. УДАЛИТЬ - стереть ваши данные.

yes = Да
no = Нет
value-skipped = (пропущено)
value-days-ago = около { $days } дн. назад

hint-multiple = Номера через пробел, напр. 1 3
done-label = Готово
invalid-choice = Отправьте, пожалуйста, один номер из списка.
invalid-multiple = Отправьте номера из списка, напр. 1 3
invalid-yesno = Отправьте 1 - Да или 2 - Нет.
invalid-text-empty = Напишите, пожалуйста, короткий ответ.
invalid-text-long = Короче, пожалуйста: не больше { $max } знаков.
invalid-number = Отправьте число от { $min } до { $max }.
invalid-country = Не нашли такую страну. Напишите название ещё раз или код из 2 букв (напр. CD).
invalid-since = Напишите, как давно: 3 недели, 2 месяца, или дату, напр. 15.03.2024.
invalid-unsupported = Я читаю только текст. Напишите ответ, пожалуйста.
invalid-stale = Эта кнопка от прошлого вопроса. Вот текущий вопрос.
help-offer = Трудно? Отправьте ПОМОЩЬ или НАЗАД.

help =
    Отвечайте текстом или номером.
    НАЗАД: прошлый вопрос. ЗАНОВО: начать сначала. ЯЗЫК: сменить язык. УДАЛИТЬ: стереть всё. СТОП: без SMS.
back-at-start = Это первый вопрос.
delete-confirm = Стереть всё, что вы нам сообщили? Отменить будет нельзя.
delete-done = Готово. Ваши данные стёрты. Берегите себя.
delete-cancelled = Ничего не стёрто. Продолжим.
wipe-started = Очищаем этот чат. Ответы пока сохранены; /delete - стереть их.
wipe-sms = Мы не можем стереть SMS на вашем телефоне. Удалите их сами.
stop-done = Больше сообщений не будет. START - продолжить. Ответы сохранены; УДАЛИТЬ - стереть их.
welcome-back = С возвращением. Продолжим.
reminder = Ваши ответы хранятся ещё { $hours } ч. Ответьте, чтобы продолжить, или УДАЛИТЬ, чтобы стереть.
rate-limited = Вы пишете очень быстро. Подождите минуту и ответьте.
flow-changed = Наши вопросы изменились с вашего прошлого сообщения, извините. Начнём заново.
