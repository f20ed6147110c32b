## El menú de idiomas es el mismo en cada archivo.
language-prompt =
    Language / Langue / Idioma / اللغة / Язык
label-language = Idioma

intro-service =
    Bienvenido/a. Aquí puede pedir protección si su trabajo por los derechos humanos le pone en peligro.
    Solo nuestro equipo de protección leerá sus respuestas.
intro-risk =
    Atención: la compañía telefónica, Telegram o Twilio pueden ver estos mensajes en camino. Nuestra protección empieza cuando nos llegan. No escriba nada demasiado riesgoso.
intro-erase =
    Puede parar cuando quiera. Envíe BORRAR para eliminar todo. En Telegram, /wipe vacía este chat. AYUDA para ayuda.
consent-prompt = ¿Acepta que nuestro equipo de protección lea y guarde sus respuestas para ayudarle?
label-consent = Acuerdo
consent-declined = Entendido. No guardamos nada. Puede escribir cuando quiera.

danger_now-prompt = ¿Está en peligro ahora mismo?
label-danger_now = En peligro
danger-guidance =
    Si puede, vaya a un lugar seguro y borre los mensajes que puedan dañarle. Haremos pocas preguntas para actuar rápido.

name-prompt = ¿Qué nombre usamos para usted? Un apodo está bien.
label-name = Nombre
location_country-prompt = ¿En qué país está ahora?
label-location_country = País actual
location_detail-prompt = ¿Qué ciudad o zona? Envíe 0 para saltar.
label-location_detail = Ciudad, zona
nationality-prompt = ¿Cuál es su nacionalidad? Escriba el país, ej. Kenia.
label-nationality = Nacionalidad

work_categories-prompt = ¿Su trabajo en derechos humanos?
label-work_categories = Trabajo
opt-work_categories-journalism = Periodismo
opt-work_categories-legal = Abogacía
opt-work_categories-land_environment = Tierra, ambiente
opt-work_categories-lgbtqi = LGBTQI
opt-work_categories-women_rights = Mujeres
opt-work_categories-labour = Trabajadores
opt-work_categories-minority_indigenous = Minorías, indígenas
opt-work_categories-political_civic = Política, cívico
opt-work_categories-health = Salud
opt-work_categories-other = Otro
work_description-prompt = En pocas palabras, ¿qué hace?
label-work_description = El trabajo

threat_types-prompt = ¿Qué le está pasando?
label-threat_types = Amenazas
opt-threat_types-physical_attack = Agresiones
opt-threat_types-death_threat = Amenazas de muerte
opt-threat_types-surveillance = Vigilancia
opt-threat_types-digital_attack = Ataque digital
opt-threat_types-legal_harassment = Juicios, denuncias
opt-threat_types-detention = Detención
opt-threat_types-smear_campaign = Difamación
opt-threat_types-family_threat = Amenazas a familia
opt-threat_types-forced_eviction = Desalojo
opt-threat_types-other = Otro
threat_description-prompt = En pocas palabras, ¿qué pasó?
label-threat_description = Lo que pasó
threat_since-prompt = ¿Desde cuándo? Ejemplo: 3 semanas, 2 meses, desde 2023, o una fecha como 15/03/2024.
label-threat_since = Desde

detention_status-prompt = ¿Detención o cargos?
label-detention_status = Detención
opt-detention_status-detained_now_family = Yo o familia detenidos
opt-detention_status-detained_before = Detenido antes
opt-detention_status-charged = Con cargos, juicio abierto
opt-detention_status-at_risk = Riesgo de detención
opt-detention_status-none = Nada de esto

displacement-prompt = ¿Dónde está viviendo?
label-displacement = Vivienda
opt-displacement-at_home = En mi casa
opt-displacement-moved_in_country = En otro lugar de mi país
opt-displacement-left_country = Salí de mi país

family_at_risk-prompt = ¿Su familia también está en peligro?
label-family_at_risk = Familia en peligro
family_count-prompt = ¿Cuántos familiares están en peligro? Envíe un número.
label-family_count = Familiares

support_needed-prompt = ¿Qué ayuda necesita?
label-support_needed = Ayuda
opt-support_needed-relocation_temporary = Ir a un lugar seguro
opt-support_needed-relocation_abroad = Salir del país
opt-support_needed-legal = Abogado
opt-support_needed-medical = Médica
opt-support_needed-psychosocial = Apoyo emocional
opt-support_needed-digital_security = Seguridad digital
opt-support_needed-financial = Dinero
opt-support_needed-advocacy = Apoyo público
opt-support_needed-other = Otro

contact_safe-prompt = ¿Es seguro contactarle en este teléfono o cuenta?
label-contact_safe = Canal seguro
contact_methods-prompt = ¿Cómo contactarle de forma segura?
label-contact_methods = Contacto por
opt-contact_methods-this_channel = Aquí
opt-contact_methods-signal = Signal
opt-contact_methods-whatsapp = WhatsApp
opt-contact_methods-email = Correo
opt-contact_methods-phone_call = Llamada
opt-contact_methods-other = Otro
contact_details-prompt = ¿Cómo y cuándo es seguro contactarle? (número o dirección, días y horas)
label-contact_details = Contacto seguro

review-summary-title = Sus respuestas:
review-prompt = ¿Enviar su solicitud ahora?
opt-review-send = Sí, enviar
opt-review-change = Cambiar una respuesta
review-pick-prompt = ¿Qué respuesta quiere cambiar? Envíe su número de la lista de sus respuestas.
submit-done =
    Gracias. Recibimos su solicitud. Su referencia: { $reference }.
    Nuestro equipo le contactará como eligió. BORRAR para eliminar sus datos.

yes = Sí
no = No
value-skipped = (saltado)
value-days-ago = hace unos { $days } días

hint-multiple = Envíe los números, ej. 1 3
done-label = Listo
invalid-choice = Por favor, envíe un número de la lista.
invalid-multiple = Por favor, envíe los números de la lista, ej. 1 3
invalid-yesno = Envíe 1 para Sí o 2 para No.
invalid-text-empty = Por favor, escriba una respuesta corta.
invalid-text-long = Más corto, por favor: { $max } caracteres como máximo.
invalid-number = Envíe un número de { $min } a { $max }.
invalid-country = No encontré ese país. Escriba su nombre otra vez, o su código de 2 letras (ej. CD).
invalid-since = Escriba hace cuánto, como 3 semanas o 2 meses, o una fecha como 15/03/2024.
invalid-unsupported = Solo puedo leer texto. Por favor, escriba su respuesta.
invalid-stale = Ese botón es de una pregunta anterior. Esta es la pregunta actual.
help-offer = ¿Problemas? Envíe AYUDA, o ATRAS para volver.

help =
    Responda con texto o un número.
    ATRAS: pregunta anterior. REINICIAR: empezar de nuevo. IDIOMA: cambiar idioma. BORRAR: eliminar todo. STOP: no más SMS.
back-at-start = Esta es la primera pregunta.
delete-confirm = ¿Borrar todo lo que nos dijo? No se puede deshacer.
delete-done = Hecho. Borramos sus datos. Cuídese.
delete-cancelled = No se borró nada. Sigamos.
wipe-started = Vaciando este chat. Sus respuestas siguen guardadas; /delete para borrarlas.
wipe-sms = No podemos borrar los SMS de su teléfono. Bórrelos usted.
stop-done = No recibirá más mensajes. Envíe START para seguir. Sus respuestas siguen guardadas; BORRAR para eliminarlas.
welcome-back = Bienvenido/a de nuevo. Sigamos.
reminder = Guardamos sus respuestas { $hours } horas más. Responda para seguir, o BORRAR para eliminarlas.
rate-limited = Envía mensajes muy rápido. Espere un minuto y responda.
flow-changed = Nuestras preguntas cambiaron desde su último mensaje, disculpe. Empecemos de nuevo.
