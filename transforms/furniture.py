"""Web furniture in the major languages: the one place where phrase knowledge lives.

Everything here is data. The rules that use it (transforms/boilerplate.py and
transforms/metadata.py) add structure on top: a phrase only decides a line on its own when the
whole line is that phrase; prefixes and keywords are used together with the line's length and
position. Phrases are written as `lines.line_key` leaves them: case-folded, single-spaced,
without edge punctuation (":" "*" "»"...).

To add a language or a CMS, add its phrases to the matching group below.
"""

from __future__ import annotations

import re

from transforms.lines import phrase_pattern

# Whole lines that are always furniture: comment forms, share rows, navigation, ads, buttons.
FURNITURE_LINES: frozenset[str] = frozenset(
    """
    advertisement|advertising|sponsored|sponsored content|ad|anzeige|werbung|publicité|publicite
    |publicidad|pubblicità|pubblicita|publicidade|advertentie|reklama|реклама|reklam|mainos
    |annons|annonse|reklame|إعلان|广告|広告|광고
    |leave a reply|leave a reply cancel reply|leave a comment|cancel reply|post comment
    |submit comment|add comment|write a comment|comments|comment|no comments|show comments
    |laisser un commentaire|commentaires|commenter|kommentare|kommentar schreiben|kommentieren
    |deja tu comentario|deja un comentario|comentarios|comentar|lascia un commento|commenti
    |commenta|comentários|comente|deixe um comentário|reacties|reageer|plaats een reactie
    |komentarze|skomentuj|dodaj komentarz|комментарии|оставить комментарий|yorum yaz|yorumlar
    |yorum yap|kommentoi|kommentit|التعليقات|أضف تعليق|评论|发表评论|コメント
    |share|share this|share this article|share this story|share on|share article|partager
    |partager cet article|teilen|artikel teilen|diesen artikel teilen|compartir|comparte
    |comparte esta noticia|compartir en|condividi|condividi su|condividi l'articolo|partilhe
    |partilhe este artigo|partilhar|compartilhe|compartilhar|deel|deel dit artikel|deel dit
    |udostępnij|udostępnij artykuł|поделиться|поделитесь|paylaş|haberi paylaş|jaa|jaa artikkeli
    |dela|del|del artikel|شارك|شارك هذا الخبر|شارك المقال|分享到|分享|シェア
    |facebook|twitter|x|whatsapp|telegram|linkedin|pinterest|reddit|email|e-mail|mail|print
    |vk|vkontakte|odnoklassniki|ok|viber|messenger|tumblr|xing|flipboard|threads|bluesky
    |instagram|youtube|tiktok|wechat|weibo|微信|微博|qq空间|qq|line|فيسبوك|تويتر|واتساب
    |imprimer|drucken|imprimir|stampa|drukuj|печать|yazdır|copy link|copier le lien|link kopieren
    |copiar enlace|copia link|copiar link|link kopiëren|kopiera länk|skopiuj link
    |partager l'article|partager sur facebook|partager sur twitter|dela artikeln|sdílet|поделиться
    |previous article|next article|previous post|next post|previous|next|older post|newer post
    |article précédent|article suivant|vorheriger artikel|nächster artikel|artículo anterior
    |artículo siguiente|articolo precedente|articolo successivo|artigo anterior
    |próximo artigo|vorig artikel|volgend artikel|poprzedni artykuł|następny artykuł
    |предыдущая статья|следующая статья|önceki haber|sonraki haber|edellinen|seuraava
    |zur startseite|back to top|back to home|go to homepage|retour à l'accueil
    |volver a la portada|torna alla home|voltar ao início|terug naar home|wróć na stronę główną
    |original link|original article|recommended video today|recommended|recommended for you
    |story continues below advertisement|article continues below advertisement
    |continue reading below|scroll to continue|advertisement - scroll to continue
    |weiterlesen nach der anzeige|la suite après la publicité|continúa después de la publicidad
    |website|name|comment|email address|your email|your name|subscribe|sign up|log in|login
    |sign in|register|menu|search|skip to content|skip to main content|close|toggle navigation
    |accept|accept all|accept cookies|reject all|ok, got it|got it|i agree|agree|manage cookies
    |akzeptieren|alle akzeptieren|ablehnen|accepter|tout accepter|refuser|aceptar
    |aceptar todo|rechazar|accetta|accetta tutto|rifiuta|aceitar|aceitar todos|accepteren
    |alles accepteren|akceptuję|zaakceptuj|принять|kabul et|hyväksy|hyväksy kaikki|قبول|接受
    |bu habere henüz yorum yapılmamış|be the first to comment|no comments yet
    |soyez le premier à commenter|sé el primero en comentar
    """.replace("\n", "")
    .replace(" |", "|")
    .replace("| ", "|")
    .strip()
    .split("|")
)

# A line opening with one of these labels is furniture whatever follows: tags, categories,
# "Read more: <headline>", related tags, copyright and editor credits.
FURNITURE_PREFIXES: tuple[str, ...] = (
    "tags:", "tag:", "topics:", "categories:", "category:", "filed under:", "related tags:",
    "related topics:", "keywords:", "read more:", "read also:", "see also:", "also read:",
    "more:", "related:", "watch:", "listen:", "video:", "photos:", "gallery:", "click here",
    "mots-clés :", "mots clés :", "étiquettes :", "lire aussi :", "à lire aussi :",
    "schlagwörter:", "schlagworte:", "themen:", "lesen sie auch:", "mehr zum thema:",
    "etiquetas:", "temas:", "leer más:", "lee también:", "ver también:", "argomenti:",
    "leggi anche:", "assuntos:", "leia mais:", "leia também:", "veja também:",
    "trefwoorden:", "lees ook:", "lees meer:", "tagi:", "czytaj też:", "czytaj także:",
    "zobacz też:", "теги:", "метки:", "читайте также:", "etiketler:", "ilgili haberler:",
    "avainsanat:", "lue myös:", "الوسوم:", "اقرأ أيضا:", "اقرأ أيضاً:", "标签：", "关键词：",
    "相关阅读：", "责任编辑：", "责任编辑:", "编辑：", "编辑:", "タグ：", "関連記事：",
    "©", "(c) ", "all rights reserved", "reporting by ", "additional reporting by ",
    "writing by ", "editing by ", "compiled by ",
)  # fmt: skip

COPYRIGHT: re.Pattern[str] = re.compile(r"^copyright\s*(©|\(c\)|\d{4})", re.IGNORECASE)

# Headings that open a list of links (related headlines, most read, more from a section,
# share buttons): the lines right after them that look like headlines go too.
LIST_HEADS: frozenset[str] = frozenset(
    """
    related|related posts|related articles|related news|related stories|related content
    |read more|read also|see also|also read|more news|more stories|latest news|latest
    |most popular|most read|most viewed|trending|trending now|top stories|you may also like
    |you might also like|recommended stories|more from|don't miss|editor's picks|popular
    |à lire aussi|lire aussi|sur le même sujet|les plus lus|dans la même rubrique|à voir aussi
    |das könnte sie auch interessieren|mehr zum thema|lesen sie auch|auch interessant
    |meistgelesen|weitere artikel|mehr aus|mehr sport|mehr nachrichten|noticias relacionadas
    |te puede interesar|lo más leído|leer más|lee también|ver también|más noticias
    |leggi anche|articoli correlati|potrebbe interessarti|i più letti|altre notizie
    |leia mais|leia também|veja também|notícias relacionadas|mais lidas|mais notícias
    |lees ook|lees meer|gerelateerde artikelen|meest gelezen|meer nieuws|meer sportnieuws
    |czytaj też|czytaj także|zobacz też|zobacz także|najczęściej czytane|więcej wiadomości
    |читайте также|смотрите также|похожие новости|по теме|самое читаемое|другие новости
    |ilgili haberler|benzer haberler|en çok okunanlar|daha fazla haber|ayrıca okuyun
    |lue myös|luetuimmat|lisää uutisia|aiheesta muualla|اقرأ أيضا|اقرأ أيضاً|أخبار ذات صلة
    |الأكثر قراءة|مواضيع ذات صلة|更多新闻|相关新闻|相关阅读|热门新闻|推荐阅读|関連記事|関連ニュース
    |share this|share this article|share|partager|teilen|compartir|comparte esta noticia
    |condividi|partilhe este artigo|deel dit artikel|udostępnij|поделиться|haberi paylaş
    |jaa|jaa artikkeli|شارك هذا الخبر|分享到|share on social media|follow us
    |previous article|next article|articolo precedente|articolo successivo
    """.replace("\n", "")
    .replace(" |", "|")
    .replace("| ", "|")
    .strip()
    .split("|")
)

# List heads that name a section: "More China Central Radio News", "Mehr Sport",
# "更多科技新闻", "More from Politics".
LIST_HEAD_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"^more( \S+){0,5} (news|stories|articles|videos)$"),
    re.compile(r"^more from( \S+){1,4}$"),
    re.compile(r"^(plus d'|plus de )\S+( \S+){0,3}$"),
    re.compile(r"^(mehr|weitere) \S+( \S+){0,2}$"),
    re.compile(r"^(más|mais|altre|meer|więcej|больше|daha fazla|lisää) \S+( \S+){0,2}$"),
    re.compile(r"^更多\S{1,8}$"),
)

# Phrases that mark a consent, newsletter or subscription notice when the line is not long
# running text inside the article, in lower case (matched against the lower-cased line).
NOTICE_PHRASES: tuple[str, ...] = (
    "cookie", "newsletter", "akismet", "subscribe to", "sign up for", "sign up to",
    "abonnez-vous", "abonnieren sie", "suscríbete", "iscriviti", "assine", "inscreva-se",
    "abonneer", "zapisz się", "subskryb", "подписывайтесь", "подписаться", "abone ol",
    "tilaa uutiskirje", "اشترك", "订阅",
    "email address will not be published", "e-mail-adresse wird nicht veröffentlicht",
    "adresse e-mail ne sera pas publiée", "correo electrónico no será publicada",
    "indirizzo email non sarà pubblicato", "e-mail não será publicado",
    "e-mailadres wordt niet gepubliceerd", "save my name, email", "required fields are marked",
    "javascript", "ad blocker", "adblock",
    "all rights reserved", "tous droits réservés", "alle rechte vorbehalten",
    "todos los derechos reservados", "tutti i diritti riservati", "todos os direitos reservados",
    "alle rechten voorbehouden", "wszelkie prawa zastrzeżone", "все права защищены",
    "tüm hakları saklıdır", "kaikki oikeudet pidätetään", "جميع الحقوق محفوظة", "版权所有",
    "queda prohibida la reproducción", "reproduction interdite",
    "subscribers only", "subscribe to continue", "continue reading with", "réservé aux abonnés",
    "nur für abonnenten", "exclusivo para suscriptores", "riservato agli abbonati",
    "exclusivo para assinantes", "alleen voor abonnees", "tylko dla prenumeratorów",
    "must be logged in", "must be signed in", "need to be logged in", "need to be signed in",
    "connecté pour commenter", "angemeldet sein", "войдите на сайт", "iniciar sesión para comentar",
)  # fmt: skip
NOTICE_KEYWORDS: re.Pattern[str] = phrase_pattern(NOTICE_PHRASES)

# A short line with an e-mail address is an author box or a contact line.
EMAIL: re.Pattern[str] = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
# "4 min read", "Lesezeit: 3 Minuten", "Temps de lecture : 2 min".
READING_TIME: re.Pattern[str] = re.compile(
    r"^(\d+\s*(min|minute|minutes|minuten|minutos|minuti|minuter|minut)\.?\s*(read|lesen|de lectura"
    r"|di lettura|de leitura|läsning|leestijd)?|(lesezeit|temps de lecture|tiempo de lectura"
    r"|tempo di lettura|tempo de leitura|leestijd|lästid|czas czytania)\s*:?\s*\d+\s*\S*)$",
    re.IGNORECASE,
)

# Photo credits: "Photo: Reuters", "Foto: dpa", "Kuva: Matti Korhonen", "图片来源：新华社".
PHOTO_CREDIT: re.Pattern[str] = re.compile(
    r"^(photo|photos|image|picture|pic|credit|photograph|foto|fotos|fotó|kuva|bild|zdjęcie"
    r"|fot|фото|φωτο|resim|fotoğraf|صورة|图片来源|图片|图|写真|사진)\s*(by|credit|:|：|/|©)"
    r"|^(getty images|ap photo|shutterstock|istock)\b"
    r"|^(afp|reuters|ap|epa|dpa|anadolu|xinhua|efe|ansa|tass)\s*/\s*\S",
    re.IGNORECASE,
)
# A caption that ends with a credit or a photo marker: "... (Internet photo)",
# "... (foto d'archivio)", "... Kuva: Matti Korhonen".
PHOTO_MARKER_AT_END: re.Pattern[str] = re.compile(
    r"\((?:[^()]*\b)?(photo|foto|image|picture|kuva|bild|фото|φωτο|resim|fotoğraf|صورة|图|写真)"
    r"(\b[^()]*)?\)\s*$"
    r"|[.!?]\s*(photo|foto|kuva|bild|фото|credit|fotoğraf)\s*[:：]\s*\S+(\s+\S+){0,5}$",
    re.IGNORECASE,
)

# Headings that open a comment section. Below them come readers' comments and the comment
# form, not the article: once the body has begun, everything after such a heading goes.
COMMENT_SECTION: re.Pattern[str] = re.compile(
    r"^(\d+\s+)?(comments?|responses?|replies|reader comments|discussion|join the discussion"
    r"|leave a (reply|comment)|add a comment|post a comment|comments are closed"
    r"|\d+ thoughts? on .+|one thought on .+|commentaires?|laisser un commentaire|kommentare?"
    r"|leserkommentare|comentarios?|deja (tu|un) comentario|commenti|lascia un commento"
    r"|comentários|deixe um comentário|reacties|reageer|komentarze|komentarz|комментарии"
    r"|réagi(r|ssez)( à cet article)?|kommentera|kommentarer|komentáře|обсуждение"
    r"|yorumlar|yorum yaz|kommentit|kommentoi|التعليقات|评论|网友评论|コメント)"
    r"(\s*\(\d+\))?(\s+\d+)?(\s+cancel reply)?$",
    re.IGNORECASE,
)

# Previous/next links whose label is glued to the linked headline ("Previous articleStorm in…").
GLUED_NAVIGATION: re.Pattern[str] = re.compile(
    r"^(?i:previous|next) (?i:article|post|story)(?=[A-Z\d:]|\s*$)"
    r"|^(?i:article précédent|article suivant|articolo precedente|articolo successivo"
    r"|artículo anterior|artículo siguiente|vorheriger artikel|nächster artikel"
    r"|poprzedni artykuł|następny artykuł|önceki haber|sonraki haber)(?=\S)",
)

# First words of a breadcrumb trail ("Home NEWS <headline>", "Accueil Économie <headline>").
HOME_WORDS: tuple[str, ...] = (
    "home", "homepage", "accueil", "startseite", "inicio", "portada", "home page", "anasayfa",
    "ana sayfa", "strona główna", "главная", "etusivu", "início", "inicio", "voorpagina", "hem",
    "forside", "首页", "首頁", "主页", "الرئيسية", "ホーム", "홈", "αρχική",
)  # fmt: skip

# Labels of bylines ("By Sarah Lennox", "Von Jonas Keller") and of date lines.
BYLINE_WORDS: tuple[str, ...] = (
    "by", "von", "par", "por", "door", "di", "przez", "av", "af", "yazan", "автор",
    "text:", "texte :", "text von", "author:", "autor:", "yazar:", "автор:", "作者：", "记者",
    "بقلم", "kirjoittanut", "teksti:", "redakcja", "redazione", "redacción", "rédaction",
)  # fmt: skip
UPDATED_WORDS: re.Pattern[str] = re.compile(
    r"^(updated|last updated|modified|mis à jour|actualisé|aktualisiert|geändert|actualizado"
    r"|aggiornato|atualizado|bijgewerkt|gewijzigd|zaktualizowano|aktualizacja|обновлено"
    r"|güncelleme|güncellendi|päivitetty|更新|تحديث)",
    re.IGNORECASE,
)
# Labels of a line that gives the article's source URL: "Source: https://…".
SOURCE_LABELS: re.Pattern[str] = re.compile(
    r"^(source|sources|original|original article|original link|via|fuente|quelle|fonte|bron"
    r"|źródło|zrodlo|источник|kaynak|lähde|källa|kilde|zdroj|forrás|来源|來源|出典|المصدر|출처)"
    r"\s*[:：]\s*(?P<url>https?://\S+)\s*$",
    re.IGNORECASE,
)

# Phrases of "page not found" and similar error pages: such a document is no article. Each
# comes with a word no match of it lacks (lower-cased), which `looks_like_error_page` looks for
# first: a substring test is a hundred times faster than the phrases' regex, which tries every
# alternative at every character.
ERROR_PAGE_PHRASES: tuple[tuple[str, str], ...] = (
    (r"^(error )?404\b", "404"),
    (r"page not found", "page"),
    (r"page (could|can) ?not be found", "page"),
    (r"page introuvable", "page"),
    (r"seite nicht gefunden", "seite"),
    (r"página no encontrada", "página"),
    (r"página não encontrada", "página"),
    (r"pagina non trovata", "pagina"),
    (r"pagina niet gevonden", "pagina"),
    (r"strona nie (została )?znaleziona", "strona"),
    (r"nie znaleziono strony", "znaleziono"),
    (r"страница не найдена", "страница"),
    (r"sayfa bulunamadı", "sayfa"),
    (r"sivua ei löytynyt", "sivua"),
    (r"页面不存在", "页面"),
    (r"找不到页面", "页面"),
    (r"الصفحة غير موجودة", "الصفحة"),
    (r"ページが見つかりません", "ページ"),
    (r"access denied", "access"),
    (r"zugriff verweigert", "zugriff"),
)
# Searched in a document's lines joined (one search, not one a line): "^" is a line's start.
ERROR_PAGE: re.Pattern[str] = re.compile(
    "|".join(phrase for phrase, _ in ERROR_PAGE_PHRASES), re.IGNORECASE | re.MULTILINE
)
_ERROR_PAGE_WORDS = tuple(sorted({word for _, word in ERROR_PAGE_PHRASES}))


def looks_like_error_page(text: str) -> bool:
    """Does a line of the text say that the page is not there ("404", "Page not found")?

    >>> looks_like_error_page("Home\\nError 404\\nBack to the start page")
    True
    >>> looks_like_error_page("The 404 bus keeps running, the council said.")
    False
    """
    folded = text.lower()
    return any(word in folded for word in _ERROR_PAGE_WORDS) and bool(ERROR_PAGE.search(text))
