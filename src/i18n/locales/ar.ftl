## قائمة اللغات هي نفسها في كل ملف.
language-prompt =
    Language / Langue / Idioma / اللغة / Язык
label-language = اللغة

intro-service =
    أهلاً بك. هذه خدمة آمنة لطلب الحماية إذا كان عملك في حقوق الإنسان يعرضك للخطر.
    فريق الحماية لدينا فقط سيقرأ إجاباتك.
intro-risk =
    تنبيه: شركة الهاتف وتيليغرام وتويليو يمكنهم رؤية هذه الرسائل في الطريق. حمايتنا تبدأ عند وصولها إلينا. لا تكتب ما لا تريدهم أن يروه.
intro-erase =
    يمكنك التوقف متى شئت. أرسل حذف لمسح كل شيء. في تيليغرام، الأمر /wipe يمسح هذه المحادثة. أرسل مساعدة للمساعدة.
consent-prompt = هل توافق أن يقرأ فريق الحماية إجاباتك ويحفظها لمساعدتك؟
label-consent = الموافقة
consent-declined = مفهوم. لم نحفظ شيئاً. يمكنك الكتابة في أي وقت.

danger_now-prompt = هل أنت في خطر الآن؟
label-danger_now = في خطر الآن
danger-guidance =
    إن استطعت، اذهب إلى مكان آمن الآن، واحذف الرسائل التي قد تضرك. سنسأل أسئلة قليلة لنتحرك بسرعة.

name-prompt = ما الاسم الذي نناديك به؟ يمكن أن يكون اسماً مستعاراً.
label-name = الاسم
location_country-prompt = في أي بلد أنت الآن؟
label-location_country = البلد الآن
location_detail-prompt = أي مدينة أو منطقة؟ أرسل 0 للتخطي.
label-location_detail = المدينة
nationality-prompt = ما جنسيتك؟ اكتب اسم البلد، مثل كينيا.
label-nationality = الجنسية

work_categories-prompt = ما عملك في حقوق الإنسان؟
label-work_categories = العمل
opt-work_categories-journalism = صحافة
opt-work_categories-legal = محاماة، قانون
opt-work_categories-land_environment = أرض، بيئة
opt-work_categories-lgbtqi = حقوق مجتمع الميم
opt-work_categories-women_rights = حقوق المرأة
opt-work_categories-labour = حقوق العمال
opt-work_categories-minority_indigenous = أقليات، شعوب أصلية
opt-work_categories-political_civic = سياسي، مدني
opt-work_categories-health = صحة
opt-work_categories-other = غير ذلك
work_description-prompt = بكلمات قليلة، ماذا تعمل؟
label-work_description = عن العمل

threat_types-prompt = ماذا يحدث لك؟
label-threat_types = التهديدات
opt-threat_types-physical_attack = اعتداء جسدي
opt-threat_types-death_threat = تهديد بالقتل
opt-threat_types-surveillance = ملاحقة، مراقبة
opt-threat_types-digital_attack = هجوم رقمي
opt-threat_types-legal_harassment = قضايا، محاكم
opt-threat_types-detention = اعتقال
opt-threat_types-smear_campaign = تشهير
opt-threat_types-family_threat = تهديد العائلة
opt-threat_types-forced_eviction = طرد من السكن
opt-threat_types-other = غير ذلك
threat_description-prompt = بكلمات قليلة، ماذا حدث؟
label-threat_description = ما حدث
threat_since-prompt = منذ متى؟ مثلاً: 3 أسابيع، شهرين، منذ 2023، أو تاريخ مثل 15/03/2024.
label-threat_since = منذ

detention_status-prompt = اعتقال أو تهم؟
label-detention_status = اعتقال، تهم
opt-detention_status-detained_now_family = أنا أو قريب معتقل الآن
opt-detention_status-detained_before = اعتقلت سابقاً
opt-detention_status-charged = متهم، قضية مفتوحة
opt-detention_status-at_risk = معرض للاعتقال
opt-detention_status-none = لا شيء

displacement-prompt = أين تقيم الآن؟
label-displacement = الإقامة
opt-displacement-at_home = في بيتي
opt-displacement-moved_in_country = مكان آخر في بلدي
opt-displacement-left_country = غادرت بلدي

family_at_risk-prompt = هل عائلتك في خطر أيضاً؟
label-family_at_risk = العائلة في خطر
family_count-prompt = كم فرداً من عائلتك في خطر؟ أرسل رقماً.
label-family_count = أفراد العائلة

support_needed-prompt = ما المساعدة التي تحتاجها؟
label-support_needed = المساعدة
opt-support_needed-relocation_temporary = الانتقال لمكان آمن مؤقتاً
opt-support_needed-relocation_abroad = مغادرة البلد
opt-support_needed-legal = محامٍ
opt-support_needed-medical = علاج
opt-support_needed-psychosocial = دعم نفسي
opt-support_needed-digital_security = أمان الهاتف والإنترنت
opt-support_needed-financial = مال
opt-support_needed-advocacy = مناصرة
opt-support_needed-other = غير ذلك

contact_safe-prompt = هل من الآمن أن نتواصل معك على هذا الهاتف أو الحساب؟
label-contact_safe = هذه القناة آمنة
contact_methods-prompt = كيف نتواصل معك بأمان؟
label-contact_methods = التواصل عبر
opt-contact_methods-this_channel = هنا
opt-contact_methods-signal = سيغنال
opt-contact_methods-whatsapp = واتساب
opt-contact_methods-email = بريد إلكتروني
opt-contact_methods-phone_call = مكالمة
opt-contact_methods-other = غير ذلك
contact_details-prompt = كيف ومتى نتواصل معك بأمان؟ (رقم أو عنوان، أيام وأوقات)
label-contact_details = التواصل الآمن

review-summary-title = إجاباتك:
review-prompt = هل نرسل طلبك الآن؟
opt-review-send = نعم، أرسل
opt-review-change = تغيير إجابة
review-pick-prompt = أي إجابة تريد تغييرها؟ أرسل رقمها من قائمة إجاباتك.
submit-done =
    شكراً. وصلنا طلبك. رقمك المرجعي: { $reference }
    سيتواصل معك فريق الحماية بالطريقة التي اخترتها. أرسل حذف لمسح بياناتك.

yes = نعم
no = لا
value-skipped = (تم التخطي)
value-days-ago = منذ { $days } يوماً تقريباً

hint-multiple = أرسل كل الأرقام المناسبة، مثل 1 3
done-label = تم
invalid-choice = أرسل رقماً واحداً من القائمة من فضلك.
invalid-multiple = أرسل الأرقام من القائمة، مثل 1 3
invalid-yesno = أرسل 1 لنعم أو 2 للا.
invalid-text-empty = اكتب إجابة قصيرة من فضلك.
invalid-text-long = اختصر من فضلك: { $max } حرفاً كحد أقصى.
invalid-number = أرسل رقماً من { $min } إلى { $max }.
invalid-country = لم أجد هذا البلد. اكتب اسمه مرة أخرى، أو رمزه من حرفين (مثل CD).
invalid-since = اكتب منذ متى، مثل 3 أسابيع أو شهرين، أو تاريخاً مثل 15/03/2024.
invalid-unsupported = أستطيع قراءة النص فقط. اكتب إجابتك من فضلك.
invalid-stale = هذا الزر من سؤال سابق. هذا هو السؤال الحالي.
help-offer = هل تواجه صعوبة؟ أرسل مساعدة، أو رجوع للعودة.

help =
    أجب بنص أو برقم.
    رجوع: السؤال السابق. من جديد: البدء من الأول. لغة: تغيير اللغة. حذف: مسح كل شيء. توقف: إيقاف الرسائل.
back-at-start = هذا أول سؤال.
delete-confirm = هل نمسح كل ما أخبرتنا به؟ لا يمكن التراجع.
delete-done = تم. مسحنا بياناتك. ابقَ بأمان.
delete-cancelled = لم نمسح شيئاً. لنكمل.
wipe-started = جارٍ مسح هذه المحادثة. إجاباتك ما زالت محفوظة؛ أرسل حذف لمسحها.
wipe-sms = لا نستطيع مسح الرسائل من هاتفك. احذفها بنفسك من فضلك.
stop-done = لن تصلك رسائل منا. أرسل START للمتابعة. إجاباتك محفوظة؛ أرسل حذف لمسحها.
welcome-back = أهلاً بعودتك. لنكمل.
reminder = نحفظ إجاباتك { $hours } ساعة أخرى. رد للمتابعة، أو أرسل حذف لمسحها.
rate-limited = ترسل رسائل بسرعة كبيرة. انتظر دقيقة ثم رد.
flow-changed = تغيرت أسئلتنا منذ رسالتك الأخيرة، نعتذر. لنبدأ من جديد.
