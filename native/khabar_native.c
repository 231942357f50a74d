/* khabar_native: compiled versions of Khabar's per-character text loops.
 *
 * Optional speedups with pure-Python twins in khabar.text (the twins are the
 * reference: tests feed both the same real and generated text and require the
 * same results).  Each function returns None where it would have to guess, and
 * the caller then runs the Python twin.  Character classes follow Python's `re`
 * for str patterns: \w is Py_UNICODE_ISALNUM or '_', \d is Py_UNICODE_ISDECIMAL,
 * \s is Py_UNICODE_ISSPACE.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>
#include <stdint.h>

#define ZWNJ 0x200C

/* Python's own character properties, looked up once for the Basic Multilingual Plane. */
#define C_ALNUM 1
#define C_DECIMAL 2
#define C_SPACE 4
#define C_WORD_LETTER 8      /* zwnj.LETTERS */
#define C_ARABIC_MARK 16     /* a short vowel, sukun or ة: what zwnj._ARABIC_HINT takes alone */
#define C_ODD 32             /* is_odd_char */
#define C_FLOOD 64           /* is_flood_mark */
static unsigned char bmp[0x10000];
/* zwnj.LETTERS: the Arabic-script letters a Persian word is made of */
static int is_word_letter_slow(Py_UCS4 c) {
    return (c >= 0x0621 && c <= 0x063A) || (c >= 0x0641 && c <= 0x064A) || c == 0x067E || c == 0x0686
        || c == 0x0698 || c == 0x06A9 || c == 0x06AF || c == 0x06C0 || c == 0x06CC;
}
static inline int is_word_letter(Py_UCS4 c) { return c < 0x10000 && bmp[c] & C_WORD_LETTER; }

static int is_odd_char(Py_UCS4 c);
static int is_flood_mark(Py_UCS4 c);
static void classes_init(void) {
    for (Py_UCS4 c = 0; c < 0x10000; c++)
        bmp[c] = (is_word_letter_slow(c) ? C_WORD_LETTER : 0)
               | (Py_UNICODE_ISALNUM(c) ? C_ALNUM : 0) | (Py_UNICODE_ISDECIMAL(c) ? C_DECIMAL : 0)
               | (Py_UNICODE_ISSPACE(c) ? C_SPACE : 0)
               | ((c >= 0x064E && c <= 0x0650) || c == 0x0652 || c == 0x0629 ? C_ARABIC_MARK : 0)
               | (is_odd_char(c) ? C_ODD : 0) | (is_flood_mark(c) ? C_FLOOD : 0);
}
static inline int is_alnum(Py_UCS4 c) { return c < 0x10000 ? bmp[c] & C_ALNUM : Py_UNICODE_ISALNUM(c); }
static inline int is_decimal(Py_UCS4 c) { return c < 0x10000 ? bmp[c] & C_DECIMAL : Py_UNICODE_ISDECIMAL(c); }
static inline int is_space(Py_UCS4 c) { return c < 0x10000 ? bmp[c] & C_SPACE : Py_UNICODE_ISSPACE(c); }
static inline int is_word(Py_UCS4 c) { return is_alnum(c) || c == '_'; }
/* [^\W\d_]: a word character that is not a decimal digit and not '_' */
static inline int is_letter(Py_UCS4 c) { return c != '_' && is_alnum(c) && !is_decimal(c); }
/* [0-9\u06f0-\u06f9\u0660-\u0669] */
static int is_num(Py_UCS4 c) {
    return (c >= '0' && c <= '9') || (c >= 0x06F0 && c <= 0x06F9) || (c >= 0x0660 && c <= 0x0669);
}
/* [.,/:٫٬\-] */
static int is_num_sep(Py_UCS4 c) {
    return c == '.' || c == ',' || c == '/' || c == ':' || c == 0x066B || c == 0x066C || c == '-';
}

/* A str argument, read in place. */
typedef struct { int kind; const void *data; Py_ssize_t n; } text_t;
static int text_of(PyObject *arg, text_t *t) {
    if (!PyUnicode_Check(arg)) { PyErr_SetString(PyExc_TypeError, "a str is needed"); return -1; }
    if (PyUnicode_READY(arg) < 0) return -1;
    t->kind = PyUnicode_KIND(arg);
    t->data = PyUnicode_DATA(arg);
    t->n = PyUnicode_GET_LENGTH(arg);
    return 0;
}
#define AT(t, i) PyUnicode_READ((t).kind, (t).data, (i))

/* The UTF-8 of one code point at w; returns the end.  A surrogate is written as its three bytes
 * (as encode(..., "surrogatepass") does): the callers that must refuse one check it first. */
static inline char *put_utf8(char *w, Py_UCS4 c) {
    if (c < 0x80) *w++ = (char)c;
    else if (c < 0x800) { *w++ = (char)(0xC0 | (c >> 6)); *w++ = (char)(0x80 | (c & 0x3F)); }
    else if (c < 0x10000) {
        *w++ = (char)(0xE0 | (c >> 12)); *w++ = (char)(0x80 | ((c >> 6) & 0x3F)); *w++ = (char)(0x80 | (c & 0x3F));
    } else {
        *w++ = (char)(0xF0 | (c >> 18)); *w++ = (char)(0x80 | ((c >> 12) & 0x3F));
        *w++ = (char)(0x80 | ((c >> 6) & 0x3F)); *w++ = (char)(0x80 | (c & 0x3F));
    }
    return w;
}
static inline int is_surrogate(Py_UCS4 c) { return c >= 0xD800 && c <= 0xDFFF; }
/* put_utf8 for a BMP code point without a branch on the length of its UTF-8 (Persian text's
 * letters take two bytes and the spaces between its words one, which a branch guessed wrong at
 * every word): three bytes are always written and the end moved by the length, so the caller's
 * buffer must have room for three; a surrogate is written as its three bytes, as put_utf8 does. */
static inline unsigned char *put_utf8_bmp(unsigned char *u, unsigned c) {
    unsigned two = c >= 0x80, three = c >= 0x800;
    u[0] = (unsigned char)(three ? 0xE0 | c >> 12 : two ? 0xC0 | c >> 6 : c);
    u[1] = (unsigned char)(0x80 | ((three ? c >> 6 : c) & 0x3F));
    u[2] = (unsigned char)(0x80 | (c & 0x3F));
    return u + 1 + two + three;
}
/* The loops compiled once per kind of str (Persian text is UCS-2): ``f`` is an always-inlined
 * body taking the text_t first, called with the kind a constant the compiler folds in. */
#define INLINE static inline __attribute__((always_inline))
#define BY_KIND(f, t, ...) \
    ((t).kind == PyUnicode_2BYTE_KIND ? f((text_t){PyUnicode_2BYTE_KIND, (t).data, (t).n}, __VA_ARGS__) \
     : (t).kind == PyUnicode_1BYTE_KIND ? f((text_t){PyUnicode_1BYTE_KIND, (t).data, (t).n}, __VA_ARGS__) \
     : f((text_t){PyUnicode_4BYTE_KIND, (t).data, (t).n}, __VA_ARGS__))

/* [\u200c']: what joins the parts of a word token */
static int is_word_joiner(Py_UCS4 c) { return c == ZWNJ || c == '\''; }

/* From a character of class `part` at i: the end of  part+ (?:sep part+)*  */
INLINE Py_ssize_t joined_run(text_t t, Py_ssize_t i, int (*part)(Py_UCS4), int (*sep)(Py_UCS4)) {
    i++;
    for (;;) {
        while (i < t.n && part(AT(t, i))) i++;
        if (i + 1 < t.n && sep(AT(t, i)) && part(AT(t, i + 1))) i += 2;
        else return i;
    }
}

/* token_count(text) -> int: the number of matches of segment._PLAIN_TOKEN
 *   [^\W\d_]+(?:[\u200c'][^\W\d_]+)* | D+(?:[.,/:٫٬\-]D+)* | [^\s\w]          */
INLINE Py_ssize_t token_count_of(text_t t, int unused) {
    Py_ssize_t i = 0, count = 0;
    while (i < t.n) {
        Py_UCS4 c = AT(t, i);
        if (is_letter(c)) { i = joined_run(t, i, is_letter, is_word_joiner); count++; }
        else if (is_num(c)) { i = joined_run(t, i, is_num, is_num_sep); count++; }
        else {
            if (!is_space(c) && !is_word(c)) count++;
            i++;
        }
    }
    return count;
}
static PyObject *token_count(PyObject *self, PyObject *arg) {
    text_t t;
    if (text_of(arg, &t) < 0) return NULL;
    return PyLong_FromSsize_t(BY_KIND(token_count_of, t, 0));
}

/* segment._SENTENCE_END's characters: [.!?؟…] and the closers after them [»"')\]] */
static int is_end_mark(Py_UCS4 c) { return c == '.' || c == '!' || c == '?' || c == 0x061F || c == 0x2026; }
static int is_closer(Py_UCS4 c) { return c == 0x00BB || c == '"' || c == '\'' || c == ')' || c == ']'; }
static int is_ascii_letter(Py_UCS4 c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

/* sentence_count(text) -> int: segment.sentence_count.  In each line, a match of
 *   [.!?؟…](?<!\b[A-Za-z][.!?؟…])[.!?؟…]*[»"')\]]*(?=\s|$)
 * ends a sentence, and a line's rest after its last match, unless blank, is one more.  The
 * pattern never backtracks usefully (what it could give back is neither white space nor the end),
 * so a match is: an end mark not right after a lone Latin letter, the longest runs of end marks
 * and closers after it, then white space or the line's end. */
INLINE Py_ssize_t sentence_count_of(text_t t, int unused) {
    Py_ssize_t count = 0, a = 0;
    while (a <= t.n) {
        Py_ssize_t b = a;                                  /* the line [a, b) */
        while (b < t.n && AT(t, b) != '\n') b++;
        Py_ssize_t end = a, p = a;
        while (p < b) {
            Py_UCS4 c = AT(t, p);
            if (!is_end_mark(c)
                || (p > a && is_ascii_letter(AT(t, p - 1)) && (p - 1 == a || !is_word(AT(t, p - 2))))) {
                p++;
                continue;
            }
            Py_ssize_t q = p + 1;
            while (q < b && is_end_mark(AT(t, q))) q++;
            while (q < b && is_closer(AT(t, q))) q++;
            if (q == b || is_space(AT(t, q))) { count++; end = p = q; }
            else p++;
        }
        for (Py_ssize_t i = end; i < b; i++)
            if (!is_space(AT(t, i))) { count++; break; }
        a = b + 1;
    }
    return count;
}
static PyObject *sentence_count(PyObject *self, PyObject *arg) {
    text_t t;
    if (text_of(arg, &t) < 0) return NULL;
    return PyLong_FromSsize_t(BY_KIND(sentence_count_of, t, 0));
}

/* --- CRC-32 (zlib's polynomial, as zlib.crc32) ------------------------------------------ */
static uint32_t crc_table[256];
static void crc_init(void) {
    for (uint32_t k = 0; k < 256; k++) {
        uint32_t c = k;
        for (int j = 0; j < 8; j++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[k] = c;
    }
}
static inline uint32_t crc_byte(uint32_t crc, unsigned char b) { return crc_table[(crc ^ b) & 0xFF] ^ (crc >> 8); }

/* [\w\u200c.,/:٫٬'-]: what continues a word of dedup._WORDISH */
static int is_wordish_more(Py_UCS4 c) { return is_word(c) || is_word_joiner(c) || is_num_sep(c); }

/* word_hashes(text) -> bytes | None: CRC-32 of the UTF-8 bytes of every match of
 * dedup._WORDISH ([^\W_][\w\u200c.,/:٫٬'-]*), as native-endian uint32s; None if the
 * text holds a lone surrogate (which has no UTF-8 form). */
INLINE PyObject *word_hashes_of(text_t t, int unused) {
    int kind = t.kind;
    const void *data = t.data;
    Py_ssize_t n = t.n, i = 0, words = 0;
    uint32_t *out = PyMem_Malloc(sizeof(uint32_t) * (n + 1));
    if (!out) return PyErr_NoMemory();
    while (i < n) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (!is_alnum(c)) { i++; continue; }                    /* [^\W_]: \w but not '_' */
        uint32_t crc = 0xFFFFFFFFu;
        for (;;) {
            if (c >= 0xD800 && c <= 0xDFFF) { PyMem_Free(out); Py_RETURN_NONE; }
            if (c < 0x80) crc = crc_byte(crc, (unsigned char)c);
            else if (c < 0x800) { crc = crc_byte(crc, 0xC0 | (c >> 6)); crc = crc_byte(crc, 0x80 | (c & 0x3F)); }
            else if (c < 0x10000) {
                crc = crc_byte(crc, 0xE0 | (c >> 12)); crc = crc_byte(crc, 0x80 | ((c >> 6) & 0x3F));
                crc = crc_byte(crc, 0x80 | (c & 0x3F));
            } else {
                crc = crc_byte(crc, 0xF0 | (c >> 18)); crc = crc_byte(crc, 0x80 | ((c >> 12) & 0x3F));
                crc = crc_byte(crc, 0x80 | ((c >> 6) & 0x3F)); crc = crc_byte(crc, 0x80 | (c & 0x3F));
            }
            i++;
            if (i >= n) break;
            c = PyUnicode_READ(kind, data, i);
            if (!is_wordish_more(c)) break;
        }
        out[words++] = crc ^ 0xFFFFFFFFu;
    }
    PyObject *result = PyBytes_FromStringAndSize((const char *)out, words * (Py_ssize_t)sizeof(uint32_t));
    PyMem_Free(out);
    return result;
}
static PyObject *word_hashes(PyObject *self, PyObject *arg) {
    text_t t;
    if (text_of(arg, &t) < 0) return NULL;
    return BY_KIND(word_hashes_of, t, 0);
}

/* --- dedup.fingerprint ------------------------------------------------------------------- */

/* Sort n uint32s ascending: least significant byte first, four counting passes (a few
 * microseconds for an article's shingles, where qsort's comparisons took twenty). */
static int radix_sort(uint32_t *v, Py_ssize_t n) {
    if (n < 2) return 0;
    uint32_t *tmp = PyMem_Malloc(sizeof(uint32_t) * n);
    if (!tmp) return -1;
    uint32_t *from = v, *to = tmp;
    for (int shift = 0; shift < 32; shift += 8) {
        Py_ssize_t count[257] = {0};
        for (Py_ssize_t i = 0; i < n; i++) count[((from[i] >> shift) & 0xFF) + 1]++;
        for (int k = 0; k < 256; k++) count[k + 1] += count[k];
        for (Py_ssize_t i = 0; i < n; i++) to[count[(from[i] >> shift) & 0xFF]++] = from[i];
        uint32_t *t = from; from = to; to = t;
    }
    PyMem_Free(tmp);                 /* four passes: the sorted values are back in v */
    return 0;
}

/* The MinHash signature of u distinct shingles: per permutation p, min over shingles of
 * a[p] * fmix32(g) + b[p] (mod 2^32).  The loop over permutations vectorizes; on x86-64 it is
 * also compiled for AVX2 and the CPU picks the version it can run (same results). */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
__attribute__((target_clones("avx2", "default")))
#endif
static void signature(const uint32_t *g, Py_ssize_t u, const uint32_t *a, const uint32_t *b, Py_ssize_t perms,
                      uint32_t *sig) {
    for (Py_ssize_t p = 0; p < perms; p++) sig[p] = 0xFFFFFFFFu;
    for (Py_ssize_t i = 0; i < u; i++) {
        uint32_t x = g[i];
        x ^= x >> 16; x *= 0x85EBCA6Bu; x ^= x >> 13; x *= 0xC2B2AE35u; x ^= x >> 16;
        for (Py_ssize_t p = 0; p < perms; p++) {
            uint32_t v = a[p] * x + b[p];
            sig[p] = v < sig[p] ? v : sig[p];
        }
    }
}

/* minhash(word_hashes, a, b, shingle) -> (signature, shingles): dedup.fingerprint after
 * word_hashes: the word n-grams combined as g = g * 0x9E3779B1 + h (mod 2^32), sorted and made
 * distinct (no word: one shingle 0), then per permutation min(a * fmix32(g) + b) (mod 2^32).
 * All arguments and results are native-endian uint32 bytes. */
static PyObject *minhash(PyObject *self, PyObject *args) {
    Py_buffer words, pa, pb;
    int shingle;
    if (!PyArg_ParseTuple(args, "y*y*y*i", &words, &pa, &pb, &shingle)) return NULL;
    Py_ssize_t n = words.len / 4, perms = pa.len / 4, m;
    const uint32_t *h = words.buf, *a = pa.buf, *b = pb.buf;
    uint32_t *g = PyMem_Malloc(sizeof(uint32_t) * (n + 1)), *sig = PyMem_Malloc(sizeof(uint32_t) * (perms + 1));
    if (!g || !sig || pb.len != pa.len || shingle < 1) {
        PyMem_Free(g); PyMem_Free(sig); PyBuffer_Release(&words); PyBuffer_Release(&pa); PyBuffer_Release(&pb);
        return g && sig ? (PyErr_SetString(PyExc_ValueError, "bad permutations or shingle size"), NULL) : PyErr_NoMemory();
    }
    if (n == 0) { g[0] = 0; m = 1; }
    else if (n < shingle) { memcpy(g, h, sizeof(uint32_t) * n); m = n; }
    else {
        m = n - shingle + 1;
        for (Py_ssize_t i = 0; i < m; i++) {
            uint32_t v = h[i];
            for (int k = 1; k < shingle; k++) v = v * 0x9E3779B1u + h[i + k];
            g[i] = v;
        }
    }
    if (radix_sort(g, m) < 0) {
        PyMem_Free(g); PyMem_Free(sig); PyBuffer_Release(&words); PyBuffer_Release(&pa); PyBuffer_Release(&pb);
        return PyErr_NoMemory();
    }
    Py_ssize_t u = 0;
    for (Py_ssize_t i = 0; i < m; i++) if (u == 0 || g[i] != g[u - 1]) g[u++] = g[i];
    signature(g, u, a, b, perms, sig);
    PyObject *result = Py_BuildValue("(y#y#)", (const char *)sig, perms * (Py_ssize_t)4, (const char *)g, u * (Py_ssize_t)4);
    PyMem_Free(g); PyMem_Free(sig); PyBuffer_Release(&words); PyBuffer_Release(&pa); PyBuffer_Release(&pb);
    return result;
}

/* --- offsets.align -------------------------------------------------------------------- */

/* offsets._DROPPABLE: white space normalization folds or drops, tatweel, ZWNJ, marks, CR, embeddings */
static int is_droppable(Py_UCS4 c) {
    return c == ' ' || c == '\t' || c == 0x00A0 || (c >= 0x2000 && c <= 0x200A) || c == 0x202F || c == 0x205F
        || c == 0x3000 || c == 0x0640 || c == ZWNJ || c == 0x200E || c == 0x200F || c == 0x061C || c == '\r'
        || (c >= 0x202A && c <= 0x202C) || (c >= 0x2066 && c <= 0x2069);
}
/* offsets._SAME: the raw character that normalization replaces one for one, or 0 */
static Py_UCS4 same_as(Py_UCS4 r) {
    switch (r) {
    case 0x064A: case 0x0649: return 0x06CC;
    case 0x0643: return 0x06A9;
    case 0x200E: case 0x200F: case 0x061C: return ZWNJ;
    default: return (r >= 0x0660 && r <= 0x0669) ? r + 0x90 : 0;     /* Arabic-Indic digit -> Persian */
    }
}

static int add_anchor(PyObject *anchors, Py_ssize_t j, Py_ssize_t i) {
    Py_ssize_t last = PyList_GET_SIZE(anchors) - 1;
    PyObject *prev = PyList_GET_ITEM(anchors, last);
    if (PyLong_AsSsize_t(PyList_GET_ITEM(prev, 0)) == j) {
        PyObject *value = PyLong_FromSsize_t(i);
        if (!value) return -1;
        return PyList_SetItem(prev, 1, value);
    }
    PyObject *pair = Py_BuildValue("[nn]", j, i);
    if (!pair) return -1;
    int rc = PyList_Append(anchors, pair);
    Py_DECREF(pair);
    return rc;
}

/* align(raw, norm[, expand]) -> list | None: offsets.align.  A raw character that is neither
 * kept, replaced one for one nor droppable (a presentation form) is what ``expand`` (offsets._expand:
 * its NFKC form in Persian letters) says: taken when it expands to more than one character that
 * ``norm`` holds there, else dropped.  Without ``expand``, None there (Python's twin then). */
static PyObject *align(PyObject *self, PyObject *args) {
    PyObject *raw, *norm, *expand = NULL;
    if (!PyArg_ParseTuple(args, "UU|O", &raw, &norm, &expand)) return NULL;
    int rk = PyUnicode_KIND(raw), nk = PyUnicode_KIND(norm);
    const void *rd = PyUnicode_DATA(raw), *nd = PyUnicode_DATA(norm);
    Py_ssize_t n_raw = PyUnicode_GET_LENGTH(raw), n_norm = PyUnicode_GET_LENGTH(norm), i = 0, j = 0, delta = 0;
    PyObject *anchors = Py_BuildValue("[[ii]]", 0, 0);
    if (!anchors) return NULL;
    while (j < n_norm && i < n_raw) {
        Py_UCS4 r = PyUnicode_READ(rk, rd, i), c = PyUnicode_READ(nk, nd, j);
        if (r == c) { i++; j++; continue; }
        Py_UCS4 s = same_as(r);
        if ((s && s == c) || (is_droppable(r) && r != ZWNJ && c == ' ')) { i++; j++; }
        else if (c == ZWNJ && r == ' ') { i++; j++; }
        else if (c == ZWNJ) { j++; }
        else if (is_droppable(r)) { i++; }          /* NFKC keeps every droppable character one long: dropped */
        else if (expand == NULL) { Py_DECREF(anchors); Py_RETURN_NONE; }
        else {
            PyObject *ch = PyUnicode_Substring(raw, i, i + 1);
            PyObject *expanded = ch ? PyObject_CallOneArg(expand, ch) : NULL;
            Py_XDECREF(ch);
            if (expanded && !PyUnicode_Check(expanded)) {
                PyErr_SetString(PyExc_TypeError, "align: expand must return a str");
                Py_CLEAR(expanded);
            }
            if (!expanded) { Py_DECREF(anchors); return NULL; }
            Py_ssize_t len = PyUnicode_GET_LENGTH(expanded), taken = 0;
            if (len > 1) taken = PyUnicode_Tailmatch(norm, expanded, j, PY_SSIZE_T_MAX, -1);   /* norm.startswith(expanded, j) */
            Py_DECREF(expanded);
            if (taken < 0) { Py_DECREF(anchors); return NULL; }
            i++;
            if (taken) j += len;                    /* expanded; else dropped */
        }
        if (i - j != delta) {
            delta = i - j;
            if (add_anchor(anchors, j, i) < 0) { Py_DECREF(anchors); return NULL; }
        }
    }
    return anchors;
}

/* --- normalize._clean_line ----------------------------------------------------------------- */

static int is_presentation(Py_UCS4 c) { return (c >= 0xFB50 && c <= 0xFDFF) || (c >= 0xFE70 && c <= 0xFEFC); }
static int is_embedding(Py_UCS4 c) { return (c >= 0x202A && c <= 0x202C) || (c >= 0x2066 && c <= 0x2069); }
/* normalize._ARABIC_LETTER */
static int is_arabic_letter(Py_UCS4 c) {
    return (c >= 0x0620 && c <= 0x064A) || (c >= 0x066E && c <= 0x06D3) || c == 0x06D5 || (c >= 0x06FA && c <= 0x06FF);
}
/* normalize.NON_JOINING: اآأإدذرزژوؤۀة ء */
static int is_non_joining(Py_UCS4 c) {
    switch (c) {
    case 0x0627: case 0x0622: case 0x0623: case 0x0625: case 0x062F: case 0x0630: case 0x0631: case 0x0632:
    case 0x0698: case 0x0648: case 0x0624: case 0x06C0: case 0x0629: case 0x0621: return 1;
    default: return 0;
    }
}
/* letters._DIRECTION: LRM, RLM, ALM */
static int is_mark(Py_UCS4 c) { return c == 0x200E || c == 0x200F || c == 0x061C; }
/* letters._vowel_mark: an Arabic vowel mark */
static int is_vowel_mark(Py_UCS4 c) { return (c >= 0x064B && c <= 0x065F) || c == 0x0670; }
/* normalize._SPACES */
static int is_fold_space(Py_UCS4 c) {
    return c == ' ' || c == '\t' || c == 0x00A0 || (c >= 0x2000 && c <= 0x200A) || c == 0x202F || c == 0x205F
        || c == 0x3000;
}

/* What clean_line's step 1 makes of each BMP character: itself or its replacement (ي -> ی),
 * DROP (tatweel, the invisible characters, embeddings and isolates), or LOOK for the characters
 * the other steps act on (ZWNJ, direction marks, presentation forms, the spaces step 4 folds)
 * and U+FFFE and U+FFFF, which stand for themselves.  Built once, from the predicates above. */
#define DROP 0xFFFF
#define LOOK 0xFFFE
static Py_UCS2 clean_map[0x10000];
static void clean_map_init(void) {
    for (Py_UCS4 c = 0; c < 0x10000; c++) {
        Py_UCS4 v = c;
        if (c == 0x0640 || is_embedding(c) || c == 0x200B || c == 0x200D || c == 0x2060 || c == 0xFEFF) v = DROP;
        else if (c == 0x064A || c == 0x0649) v = 0x06CC;
        else if (c == 0x0643) v = 0x06A9;
        else if (c >= 0x0660 && c <= 0x0669) v = c + 0x90;
        else if (c == ZWNJ || is_mark(c) || is_presentation(c) || is_fold_space(c) || c == 0xFFFE || c == 0xFFFF) v = LOOK;
        clean_map[c] = (Py_UCS2)v;
    }
}

/* Whether clean_line has nothing to do to a line (most lines): no character it maps, drops or
 * folds, no ZWNJ, no doubled space, no white space at either end. */
static int already_clean(text_t t) {
    if (t.n && (is_space(AT(t, 0)) || is_space(AT(t, t.n - 1)))) return 0;
    if (t.kind == PyUnicode_2BYTE_KIND) {               /* (no branch on a character: see klass) */
        const Py_UCS2 *d = t.data;                      /* d[n] is the str's terminating 0 */
        unsigned bad = 0;
        for (Py_ssize_t i = 0; i < t.n; i++) {
            unsigned c = d[i], space = c == ' ';
            bad |= (clean_map[c] != c) & ((space & (d[i + 1] == ' ')) | (!space & (c != 0xFFFF)));
            if ((i & 63) == 63 && bad) return 0;
        }
        return !bad;
    }
    for (Py_ssize_t i = 0; i < t.n; i++) {
        Py_UCS4 c = AT(t, i);
        if (c >= 0x10000 || clean_map[c] == c) continue;
        if (c == ' ' ? i + 1 < t.n && AT(t, i + 1) == ' ' : c != 0xFFFF) return 0;
    }
    return 1;
}

/* Step 3 of clean_line, from ``src`` (``n`` characters) to ``dst`` (``k`` of them after): a run of
 * ZWNJs stays one ZWNJ between two letters that join (the first with its vowel marks), else it
 * goes.  A macro: the quick way's buffers are UCS-2, the long way's UCS-4. */
#define ZWNJ_RUNS(src, n, dst, k) do {                                                               \
    (k) = 0;                                                                                        \
    for (Py_ssize_t i_ = 0; i_ < (n);) {                                                            \
        if ((src)[i_] != ZWNJ) { (dst)[(k)++] = (src)[i_++]; continue; }                            \
        Py_ssize_t e_ = i_, before_ = i_ - 1;                                                       \
        while (e_ < (n) && (src)[e_] == ZWNJ) e_++;                                                 \
        while (before_ >= 0 && is_vowel_mark((src)[before_])) before_--;                            \
        if (before_ >= 0 && e_ < (n) && Py_UNICODE_ISALPHA((src)[before_]) && Py_UNICODE_ISALPHA((src)[e_]) \
            && !is_non_joining((src)[before_])) (dst)[(k)++] = ZWNJ;                               \
        i_ = e_;                                                                                    \
    }                                                                                               \
} while (0)

/* clean_line's result for the usual line, the long way's steps in one or two passes over UCS-2:
 * a line with no direction mark or presentation form (step 2 has nothing to do), whose white
 * space, once tatweels, invisible characters and stray ZWNJs are dropped, is single plain spaces
 * between words (step 4 has nothing to do).  None: take the long way. */
static PyObject *clean_line_quick(text_t t) {
    const Py_UCS2 *in = t.data;
    Py_UCS2 local[2048], *out = t.n <= 1024 ? local : PyMem_Malloc(sizeof(Py_UCS2) * 2 * t.n);
    if (!out) return PyErr_NoMemory();
    Py_UCS2 *end = out;
    Py_ssize_t m = 0;
    int zwnj = 0;
    for (Py_ssize_t i = 0; i < t.n; i++) {          /* 1. letters (no branch on a character: see klass) */
        Py_UCS2 c = in[i], v = clean_map[c];
        if (__builtin_expect((v == LOOK) & (c != ZWNJ) & (c != ' ') & (c < 0xFFFE), 0)) goto long_way;
        out[m] = v == LOOK ? c : v;                     /* (a DROP written and not kept) */
        m += v != DROP;
        zwnj |= c == ZWNJ;
    }
    end = out;
    if (zwnj) {                                       /* 3. ZWNJ runs */
        Py_ssize_t k;
        ZWNJ_RUNS(out, m, out + t.n, k);
        end = out + t.n;
        m = k;
    }
    if (m && (is_space(end[0]) || is_space(end[m - 1]))) goto long_way;
    unsigned doubled = 0;
    for (Py_ssize_t i = 1; i < m; i++)                /* 4. nothing to fold */
        doubled |= (end[i] == ' ') & (end[i - 1] == ' ');
    if (doubled) goto long_way;
    PyObject *result = PyUnicode_FromKindAndData(PyUnicode_2BYTE_KIND, end, m);
    if (out != local) PyMem_Free(out);
    return result;
long_way:
    if (out != local) PyMem_Free(out);
    Py_INCREF(Py_None);
    return Py_None;
}

/* clean_line(line) -> str | None: normalize._clean_line (invisible characters, letters.INVISIBLE_CHARS,
 * dropped first); None for a line with presentation forms (their NFKC expansion is left to Python's twin). */
static PyObject *clean_line(PyObject *self, PyObject *arg) {
    text_t t;
    if (text_of(arg, &t) < 0) return NULL;
    int kind = t.kind;
    const void *data = t.data;
    Py_ssize_t n = t.n, m = 0;
    if (already_clean(t)) { Py_INCREF(arg); return arg; }
    if (kind == PyUnicode_2BYTE_KIND) {
        PyObject *quick = clean_line_quick(t);
        if (quick != Py_None) return quick;             /* (NULL: an error) */
        Py_DECREF(quick);
    }
    int marks = 0, zwnj = 0;
    Py_UCS4 *a = PyMem_Malloc(sizeof(Py_UCS4) * (n + 1)), *b = PyMem_Malloc(sizeof(Py_UCS4) * (n + 1));
    if (!a || !b) { PyMem_Free(a); PyMem_Free(b); return PyErr_NoMemory(); }
    /* 1. letters: ي ى -> ی, ك -> ک, tatweel dropped; embeddings and isolates dropped */
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (is_presentation(c)) { PyMem_Free(a); PyMem_Free(b); Py_RETURN_NONE; }
        if (c == 0x0640 || is_embedding(c) || c == 0x200B || c == 0x200D || c == 0x2060 || c == 0xFEFF) continue;
        if (c == 0x064A || c == 0x0649) c = 0x06CC;
        else if (c == 0x0643) c = 0x06A9;
        else if (c >= 0x0660 && c <= 0x0669) c += 0x90;               /* Arabic-Indic digit -> Persian */
        else if (c == 0x200E || c == 0x200F || c == 0x061C) marks = 1;
        a[m++] = c;
    }
    /* 2. a run of LRM/RLM/ALM between two Arabic letters becomes one ZWNJ; elsewhere it goes */
    Py_ssize_t k = 0;
    for (Py_ssize_t i = 0; i < m;) {
        Py_UCS4 c = a[i];
        if (marks && is_mark(c)) {
            Py_ssize_t e = i;
            while (e < m && is_mark(a[e])) e++;
            if (i > 0 && is_arabic_letter(a[i - 1]) && e < m && is_arabic_letter(a[e])) b[k++] = ZWNJ;
            i = e;
            continue;
        }
        if (c == ZWNJ) zwnj = 1;
        b[k++] = c;
        i++;
    }
    if (marks) for (Py_ssize_t i = 0; i < k; i++) if (b[i] == ZWNJ) { zwnj = 1; break; }
    /* 3. a ZWNJ run stays one ZWNJ between two letters that join (ZWNJ_RUNS); else stray */
    if (zwnj) ZWNJ_RUNS(b, k, a, m);
    else { memcpy(a, b, sizeof(Py_UCS4) * k); m = k; }
    /* 4. runs of spaces folded into one, then white space trimmed at both ends */
    k = 0;
    for (Py_ssize_t i = 0; i < m;) {
        if (is_fold_space(a[i])) {
            while (i < m && is_fold_space(a[i])) i++;
            b[k++] = ' ';
            continue;
        }
        b[k++] = a[i++];
    }
    Py_ssize_t start = 0, end = k;
    while (start < end && is_space(b[start])) start++;
    while (end > start && is_space(b[end - 1])) end--;
    PyObject *result = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, b + start, end - start);
    PyMem_Free(a);
    PyMem_Free(b);
    return result;
}

/* --- short words looked up in a frozenset --------------------------------------------------- */

/* A frozenset of short words as bits of (length, first letter, last letter): a run of letters
 * that fails them is no word of the set, and needs no str made to ask.  Built once per set
 * (a set handed in again is the same object: the modules keep them as constants). */
#define MASK_LEN 16
#define MASK_WORDS 64          /* a set of at most this many words is also kept as code points */
typedef struct {
    PyObject *set;
    uint64_t firsts[MASK_LEN + 1], lasts[MASK_LEN + 1];
    Py_ssize_t words;                                   /* kept words, or -1: too many, ask the set */
    Py_ssize_t lens[MASK_WORDS];
    Py_UCS4 chars[MASK_WORDS][MASK_LEN];
} wordmask_t;

static int wordmask_for(wordmask_t *m, PyObject *set) {
    if (m->set == set) return 0;
    memset(m->firsts, 0, sizeof m->firsts);
    memset(m->lasts, 0, sizeof m->lasts);
    m->words = 0;
    PyObject *it = PyObject_GetIter(set), *w;
    if (!it) return -1;
    while ((w = PyIter_Next(it))) {
        Py_ssize_t len = PyUnicode_Check(w) ? PyUnicode_GET_LENGTH(w) : 0;
        if (len > 0 && len <= MASK_LEN) {
            m->firsts[len] |= 1ULL << (PyUnicode_READ_CHAR(w, 0) & 63);
            m->lasts[len] |= 1ULL << (PyUnicode_READ_CHAR(w, len - 1) & 63);
            if (m->words >= 0 && m->words < MASK_WORDS) {
                m->lens[m->words] = len;
                for (Py_ssize_t k = 0; k < len; k++) m->chars[m->words][k] = PyUnicode_READ_CHAR(w, k);
                m->words++;
            } else {
                m->words = -1;
            }
        } else if (len > MASK_LEN || !PyUnicode_Check(w)) {
            m->words = -1;                              /* the code points would not tell it all */
        }
        Py_DECREF(w);
    }
    Py_DECREF(it);
    if (PyErr_Occurred()) return -1;
    Py_XDECREF(m->set);
    Py_INCREF(set);
    m->set = set;
    return 0;
}
/* Whether the ``len`` code points at ``data`` + ``start`` (of ``kind``) are a word of the set
 * (-1 with an exception set on failure): compared with the kept code points, or asked of the
 * set itself when it has too many words to keep. */
static int wordmask_has(const wordmask_t *m, int kind, const void *data, Py_ssize_t start, Py_ssize_t len) {
    if (m->words < 0) {
        PyObject *word = PyUnicode_FromKindAndData(kind, (const char *)data + start * kind, len);
        if (!word) return -1;
        int found = PySet_Contains(m->set, word);
        Py_DECREF(word);
        return found;
    }
    for (Py_ssize_t w = 0; w < m->words; w++) {
        if (m->lens[w] != len) continue;
        Py_ssize_t k = 0;
        while (k < len && m->chars[w][k] == PyUnicode_READ(kind, data, start + k)) k++;
        if (k == len) return 1;
    }
    return 0;
}
static inline int wordmask_may(const wordmask_t *m, Py_ssize_t len, Py_UCS4 first, Py_UCS4 last) {
    return len > 0 && len <= MASK_LEN && (m->firsts[len] >> (first & 63) & 1) && (m->lasts[len] >> (last & 63) & 1);
}

/* --- the restorer's memo in C ---------------------------------------------------------------- */

/* Chunks (white-space-separated pieces of a line) and what the restorer makes of them: NULL for
 * a chunk that stays as written, else the restored str.  Open addressing on an FNV-1a hash of
 * the code points; no str is made to look a chunk up.  At ``limit`` chunks it is emptied and
 * relearnt (bounded memory, as the Python memo).  A short chunk's code points are kept in its slot
 * (one cache miss to find a word, not two). */
#define SLOT_CHARS 12
typedef struct {
    uint64_t h;
    Py_ssize_t len;
    unsigned char used, in_slot;                        /* in_slot: the code points are in ``small`` */
    union { Py_UCS4 *chars; Py_UCS2 small[SLOT_CHARS]; } u;
    PyObject *value;
} slot_t;
typedef struct { slot_t *slots; Py_ssize_t cap, count, limit; } memo_t;

static void memo_clear(memo_t *m) {
    for (Py_ssize_t i = 0; i < m->cap; i++)
        if (m->slots[i].used) {
            if (!m->slots[i].in_slot) PyMem_Free(m->slots[i].u.chars);
            Py_XDECREF(m->slots[i].value);
        }
    memset(m->slots, 0, sizeof(slot_t) * m->cap);
    m->count = 0;
}
static void memo_free(PyObject *capsule) {
    memo_t *m = PyCapsule_GetPointer(capsule, "khabar_native.memo");
    if (!m) return;
    memo_clear(m);
    PyMem_Free(m->slots);
    PyMem_Free(m);
}
static memo_t *memo_of(PyObject *capsule) { return PyCapsule_GetPointer(capsule, "khabar_native.memo"); }

static inline __attribute__((always_inline)) uint64_t hash_span(int kind, const void *data, Py_ssize_t start, Py_ssize_t end) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (Py_ssize_t i = start; i < end; i++) { h ^= PyUnicode_READ(kind, data, i); h *= 0x100000001b3ULL; }
    return h;
}
/* the slot of a chunk, or the empty slot where it would go */
static inline __attribute__((always_inline)) slot_t *memo_find(memo_t *m, uint64_t h, int kind, const void *data, Py_ssize_t start, Py_ssize_t end) {
    Py_ssize_t mask = m->cap - 1, len = end - start;
    for (Py_ssize_t i = (Py_ssize_t)(h & mask);; i = (i + 1) & mask) {
        slot_t *s = &m->slots[i];
        if (!s->used) return s;
        if (s->h == h && s->len == len) {
            Py_ssize_t k = 0;
            if (s->in_slot) while (k < len && s->u.small[k] == PyUnicode_READ(kind, data, start + k)) k++;
            else while (k < len && s->u.chars[k] == PyUnicode_READ(kind, data, start + k)) k++;
            if (k == len) return s;
        }
    }
}
static int memo_grow(memo_t *m) {
    Py_ssize_t cap = m->cap * 2;
    slot_t *old = m->slots, *slots = PyMem_Calloc(cap, sizeof(slot_t));
    if (!slots) { PyErr_NoMemory(); return -1; }
    for (Py_ssize_t i = 0; i < m->cap; i++) {
        if (!old[i].used) continue;
        for (Py_ssize_t j = (Py_ssize_t)(old[i].h & (cap - 1));; j = (j + 1) & (cap - 1))
            if (!slots[j].used) { slots[j] = old[i]; break; }
    }
    PyMem_Free(old);
    m->slots = slots;
    m->cap = cap;
    return 0;
}

/* memo_new(limit) -> memo */
static PyObject *memo_new(PyObject *self, PyObject *arg) {
    Py_ssize_t limit = PyLong_AsSsize_t(arg);
    if (limit == -1 && PyErr_Occurred()) return NULL;
    memo_t *m = PyMem_Calloc(1, sizeof(memo_t));
    if (!m) return PyErr_NoMemory();
    m->cap = 1024;
    m->limit = limit < 1 ? 1 : limit;
    if (!(m->slots = PyMem_Calloc(m->cap, sizeof(slot_t)))) { PyMem_Free(m); return PyErr_NoMemory(); }
    PyObject *capsule = PyCapsule_New(m, "khabar_native.memo", memo_free);
    if (!capsule) { PyMem_Free(m->slots); PyMem_Free(m); }
    return capsule;
}

/* memo_put(memo, chunk, restored | None): remember a chunk (None: it stays as written) */
static PyObject *memo_put(PyObject *self, PyObject *args) {
    PyObject *capsule, *chunk, *value;
    if (!PyArg_ParseTuple(args, "OUO", &capsule, &chunk, &value)) return NULL;
    memo_t *m = memo_of(capsule);
    if (!m) return NULL;
    if (value != Py_None && !PyUnicode_Check(value)) { PyErr_SetString(PyExc_TypeError, "a str or None"); return NULL; }
    if (m->count >= m->limit) memo_clear(m);
    if ((m->count + 1) * 2 > m->cap && memo_grow(m) < 0) return NULL;
    int kind = PyUnicode_KIND(chunk);
    const void *data = PyUnicode_DATA(chunk);
    Py_ssize_t len = PyUnicode_GET_LENGTH(chunk);
    uint64_t h = hash_span(kind, data, 0, len);
    slot_t *s = memo_find(m, h, kind, data, 0, len);
    if (s->used) Py_RETURN_NONE;                              /* known already */
    int narrow = len <= SLOT_CHARS && kind != PyUnicode_4BYTE_KIND;
    if (narrow) {
        for (Py_ssize_t k = 0; k < len; k++) s->u.small[k] = (Py_UCS2)PyUnicode_READ(kind, data, k);
    } else {
        Py_UCS4 *chars = PyUnicode_AsUCS4Copy(chunk);
        if (!chars) return NULL;
        s->u.chars = chars;
    }
    s->h = h; s->len = len; s->used = 1; s->in_slot = (unsigned char)narrow;
    s->value = value == Py_None ? NULL : (Py_INCREF(value), value);
    m->count++;
    Py_RETURN_NONE;
}

/* memo_len(memo) -> int */
static PyObject *memo_len(PyObject *self, PyObject *capsule) {
    memo_t *m = memo_of(capsule);
    return m ? PyLong_FromSsize_t(m->count) : NULL;
}

/* restore_memo(text, memo) -> list | (str, bool): the memo half of zwnj.Restorer._text.  ``text``
 * split on " " (as str.split(" ")): the chunks the memo does not know, as a list (Python works
 * them out, memo_put()s them and asks again); else the text with every chunk replaced (``text``
 * itself when none changed) and whether a changed chunk follows "و" at index 2 or later (where
 * Restorer._pairs may apply, which Python's twin then does). */
static inline __attribute__((always_inline)) PyObject *restore_memo_of(PyObject *text, memo_t *m, const int kind) {
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), start = 0, index = 0;
    PyObject *missing = NULL;
    int changed = 0, pairs = 0, after_va = 0;
    slot_t *local[256], **found = n < 256 ? local : PyMem_Malloc(sizeof(slot_t *) * (n + 1));   /* each chunk's slot */
    if (!found) return PyErr_NoMemory();
#define DONE(result) do { if (found != local) PyMem_Free(found); return (result); } while (0)
    for (Py_ssize_t i = 0; i <= n; i++) {                     /* pass 1: every chunk known? */
        if (i < n && PyUnicode_READ(kind, data, i) != ' ') continue;
        slot_t *s = found[index] = memo_find(m, hash_span(kind, data, start, i), kind, data, start, i);
        int is_va = i - start == 1 && PyUnicode_READ(kind, data, start) == 0x0648;
        if (!s->used) {
            PyObject *chunk = PyUnicode_Substring(text, start, i);
            if (!chunk || (!missing && !(missing = PyList_New(0))) || PyList_Append(missing, chunk) < 0) {
                Py_XDECREF(chunk); Py_XDECREF(missing); DONE(NULL);
            }
            Py_DECREF(chunk);
        } else if (s->value) {
            changed = 1;
            if (after_va && index >= 2) pairs = 1;
        }
        after_va = is_va;
        index++;
        start = i + 1;
    }
    if (missing) DONE(missing);
    if (!changed) DONE(Py_BuildValue("(OO)", text, Py_False));
    Py_ssize_t cap = n + 64, k = 0;                           /* pass 2: the restored text (the memo */
    Py_UCS4 *out = PyMem_Malloc(sizeof(Py_UCS4) * cap);      /* is unchanged since pass 1: its slots hold) */
    if (!out) DONE(PyErr_NoMemory());
    start = 0;
    index = 0;
    for (Py_ssize_t i = 0; i <= n; i++) {
        if (i < n && PyUnicode_READ(kind, data, i) != ' ') continue;
        slot_t *s = found[index++];
        Py_ssize_t len = s->value ? PyUnicode_GET_LENGTH(s->value) : i - start;
        if (k + len + 1 > cap) {
            cap = 2 * (k + len + 1);
            Py_UCS4 *grown = PyMem_Realloc(out, sizeof(Py_UCS4) * cap);
            if (!grown) { PyMem_Free(out); DONE(PyErr_NoMemory()); }
            out = grown;
        }
        if (start > 0) out[k++] = ' ';
        if (s->value) for (Py_ssize_t j = 0; j < len; j++) out[k++] = PyUnicode_READ_CHAR(s->value, j);
        else for (Py_ssize_t j = start; j < i; j++) out[k++] = PyUnicode_READ(kind, data, j);
        start = i + 1;
    }
    PyObject *joined = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, out, k);
    PyMem_Free(out);
    if (!joined) DONE(NULL);
    DONE(Py_BuildValue("(NO)", joined, pairs ? Py_True : Py_False));
#undef DONE
}
static PyObject *restore_memo(PyObject *self, PyObject *args) {
    PyObject *text, *capsule;
    if (!PyArg_ParseTuple(args, "UO", &text, &capsule)) return NULL;
    memo_t *m = memo_of(capsule);
    if (!m) return NULL;
    switch (PyUnicode_KIND(text)) {       /* the loops compiled once per kind of str */
    case PyUnicode_1BYTE_KIND: return restore_memo_of(text, m, PyUnicode_1BYTE_KIND);
    case PyUnicode_2BYTE_KIND: return restore_memo_of(text, m, PyUnicode_2BYTE_KIND);
    default: return restore_memo_of(text, m, PyUnicode_4BYTE_KIND);
    }
}

/* --- zwnj.Restorer._text and zwnj._may_be_arabic ------------------------------------------------ */


/* arabic_hint(text, words) -> bool: zwnj._may_be_arabic, the search of zwnj._ARABIC_HINT: a short
 * vowel, sukun or ة ([\u064e-\u0650\u0652\u0629]), or one of ``words`` (a frozenset of words of
 * zwnj.LETTERS, each of at most MASK_LEN letters) standing alone: not after a letter, vowel marks
 * ([\u064b-\u0652]) allowed between its letters, and no letter after it. */
INLINE int arabic_hint_of(text_t t, const wordmask_t *mask) {
    int kind = t.kind;
    const void *data = t.data;
    Py_ssize_t n = t.n;
    if (kind != PyUnicode_1BYTE_KIND) {                     /* (Latin-1 has none of them) */
        unsigned char any = 0;                              /* one table look-up a character, no branch */
        for (Py_ssize_t i = 0; i < n; i++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, i);
            any |= c < 0x10000 ? bmp[c] : 0;
        }
        if (any & C_ARABIC_MARK) return 1;
    }
    Py_UCS4 word[MASK_LEN];
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!is_word_letter(PyUnicode_READ(kind, data, i)) || (i > 0 && is_word_letter(PyUnicode_READ(kind, data, i - 1))))
            continue;
        Py_ssize_t len = 0;
        for (Py_ssize_t j = i; j < n;) {                   /* letters from here, marks between them skipped */
            Py_UCS4 c = PyUnicode_READ(kind, data, j);
            if (is_word_letter(c)) {
                if (len == MASK_LEN) break;                 /* longer than any word of the set */
                word[len++] = c;
                j++;
                if ((j >= n || !is_word_letter(PyUnicode_READ(kind, data, j)))     /* a word may end here */
                    && wordmask_may(mask, len, word[0], word[len - 1])) {
                    int found = wordmask_has(mask, PyUnicode_4BYTE_KIND, word, 0, len);
                    if (found) return found;                /* (-1: an error) */
                }
            } else if (c >= 0x064B && c <= 0x0652) {
                j++;
            } else {
                break;
            }
        }
    }
    return 0;
}
static wordmask_t arabic_mask;
static PyObject *arabic_hint(PyObject *self, PyObject *args) {
    PyObject *text, *words;
    if (!PyArg_ParseTuple(args, "UO!", &text, &PyFrozenSet_Type, &words)) return NULL;
    text_t t;
    if (text_of(text, &t) < 0 || wordmask_for(&arabic_mask, words) < 0) return NULL;
    int found = BY_KIND(arabic_hint_of, t, &arabic_mask);
    return found < 0 ? NULL : PyBool_FromLong(found);
}

/* line_counts(line) -> (letters, zwnj and marks): what normalize.normalize_line counts of a line
 * that changed: Arabic letters, Arabic-Indic digits and tatweels (letters._LETTER_KEYS) plus
 * presentation forms; and its ZWNJs plus direction marks (letters.DIRECTION_MARKS). */
static inline int line_count_class(Py_UCS4 c) {
    if (c < 0x0600) return 0;
    if (c == 0x064A || c == 0x0649 || c == 0x0643 || c == 0x0640 || (c >= 0x0660 && c <= 0x0669)
        || is_presentation(c)) return 1;
    return c == ZWNJ || is_mark(c) ? 2 : 0;
}
static PyObject *line_counts(PyObject *self, PyObject *arg);
static inline int letter_class(Py_UCS4 c);
static int is_arabic_script(Py_UCS4 c);

/* letter_class, line_count_class and is_arabic_script of each BMP character, looked up (a table
 * look-up a character where the predicates' branches on Persian text, letters and spaces taking
 * turns, were guessed wrong at every word); beyond the BMP the classes are 2, 0 and 0 */
static unsigned char klass[0x10000];
#define K_ARABIC_SCRIPT 16
static void klass_init(void) {
    for (Py_UCS4 c = 0; c < 0x10000; c++)
        klass[c] = (unsigned char)(letter_class(c) | line_count_class(c) << 2 | (is_arabic_script(c) ? K_ARABIC_SCRIPT : 0));
}
/* (characters of class 1, of class 2) of ``t`` by the table: ``shift`` 0 letter_class, 2 line_count_class */
INLINE void table_counts(text_t t, int shift, unsigned beyond, Py_ssize_t n[3]) {
    Py_ssize_t one = 0, two = 0;
    for (Py_ssize_t i = 0; i < t.n; i++) {
        Py_UCS4 c = AT(t, i);
        unsigned k = c < 0x10000 ? (unsigned)(klass[c] >> shift) & 3 : beyond;
        one += k == 1;
        two += k == 2;
    }
    n[0] = t.n - one - two; n[1] = one; n[2] = two;
}
INLINE PyObject *table_counts_of(text_t t, int shift) {
    Py_ssize_t n[3];
    table_counts(t, shift, shift ? 0 : 2, n);
    return Py_BuildValue("(nn)", n[1], n[2]);
}

/* One match of zwnj._SPACED_PREFIX (prefix) or zwnj._SPACED_SUFFIX (suffix) as (start, mid, end):
 * group 1 is text[start:mid], group 2 text[mid + 1:end].  Kept in a growing array. */
typedef struct { Py_ssize_t start, mid, end; } span_t;
typedef struct { span_t *v; Py_ssize_t n, cap; span_t local[16]; } spans_t;
static void spans_init(spans_t *s) { s->v = s->local; s->n = 0; s->cap = 16; }
static void spans_free(spans_t *s) { if (s->v != s->local) PyMem_Free(s->v); spans_init(s); }
static int spans_add(spans_t *s, Py_ssize_t start, Py_ssize_t mid, Py_ssize_t end) {
    if (s->n == s->cap) {
        span_t *grown = PyMem_Malloc(sizeof(span_t) * s->cap * 2);
        if (!grown) { PyErr_NoMemory(); return -1; }
        memcpy(grown, s->v, sizeof(span_t) * s->n);
        if (s->v != s->local) PyMem_Free(s->v);
        s->v = grown;
        s->cap *= 2;
    }
    s->v[s->n++] = (span_t){start, mid, end};
    return 0;
}

/* The matches zwnj._SPACED_PREFIX.finditer and zwnj._SPACED_SUFFIX.finditer find in ``t``
 * (``mask``: the words of zwnj.SPACED_SUFFIXES), in order, each search going on after its last
 * match as finditer does, into ``out[0]`` (prefix) and ``out[1]`` (suffix; only these when
 * ``suffix_only``).  Both patterns start at a word ([L][LZ]*, not after L or ZWNJ) followed by
 * one space and a whole word of letters ([L]+, then neither L nor ZWNJ): the prefix pattern when
 * the first word is نمی or می and the second has two letters or more, the suffix pattern when
 * the second word is a suffix.  -1 with an exception set on failure. */
INLINE int spaced_find(text_t t, const wordmask_t *mask, spans_t *out, int suffix_only) {
    int kind = t.kind;
    const void *data = t.data;
    Py_ssize_t n = t.n;
    Py_ssize_t resume[2] = {0, 0};                          /* where each pattern's search goes on */
#define LZ(c) (is_word_letter(c) || (c) == ZWNJ)
    for (Py_ssize_t p = 0; p < n; p++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, p);
        if (!is_word_letter(c) || (p > 0 && LZ(PyUnicode_READ(kind, data, p - 1)))) continue;
        Py_ssize_t e = p;                                   /* the word starting here: [L][LZ]* */
        while (e < n && LZ(PyUnicode_READ(kind, data, e))) e++;
        if (e >= n || PyUnicode_READ(kind, data, e) != ' ') { p = e; continue; }
        Py_ssize_t q = e + 1, r = q;                        /* the next word: [L]+ then neither L nor ZWNJ */
        while (r < n && is_word_letter(PyUnicode_READ(kind, data, r))) r++;
        int whole = r > q && (r >= n || !LZ(PyUnicode_READ(kind, data, r)));
        if (whole && !suffix_only && p >= resume[0] && r - q >= 2) {
            Py_ssize_t len = e - p;
            if ((len == 2 && c == 0x0645 && PyUnicode_READ(kind, data, p + 1) == 0x06CC)
                || (len == 3 && c == 0x0646 && PyUnicode_READ(kind, data, p + 1) == 0x0645
                    && PyUnicode_READ(kind, data, p + 2) == 0x06CC)) {
                if (spans_add(&out[0], p, e, r) < 0) return -1;
                resume[0] = r;
            }
        }
        if (whole && p >= resume[1] && wordmask_may(mask, r - q, PyUnicode_READ(kind, data, q),
                                                    PyUnicode_READ(kind, data, r - 1))) {
            int is = wordmask_has(mask, kind, data, q, r - q);
            if (is < 0) return -1;
            if (is) {
                if (spans_add(&out[1], p, e, r) < 0) return -1;
                resume[1] = r;
            }
        }
        p = e;
    }
#undef LZ
    return 0;
}
static PyObject *span_list(const spans_t *s) {
    PyObject *list = PyList_New(s->n);
    if (!list) return NULL;
    for (Py_ssize_t i = 0; i < s->n; i++) {
        PyObject *span = Py_BuildValue("(nnn)", s->v[i].start, s->v[i].mid, s->v[i].end);
        if (!span) { Py_DECREF(list); return NULL; }
        PyList_SET_ITEM(list, i, span);
    }
    return list;
}
static wordmask_t spaced_mask;

/* spaced_spans(text, suffixes) -> (prefix spans, suffix spans): spaced_find's matches, as
 * (start, mid, end) each (``suffixes``: the frozenset of zwnj.SPACED_SUFFIXES). */
static PyObject *spaced_spans(PyObject *self, PyObject *args) {
    PyObject *text, *suffixes;
    if (!PyArg_ParseTuple(args, "UO!", &text, &PyFrozenSet_Type, &suffixes)) return NULL;
    text_t t;
    if (text_of(text, &t) < 0 || wordmask_for(&spaced_mask, suffixes) < 0) return NULL;
    spans_t found[2];
    spans_init(&found[0]);
    spans_init(&found[1]);
    PyObject *result = NULL;
    if (BY_KIND(spaced_find, t, &spaced_mask, found, 0) == 0) {
        PyObject *a = span_list(&found[0]), *b = a ? span_list(&found[1]) : NULL;
        result = b ? Py_BuildValue("(NN)", a, b) : NULL;
        if (!b) Py_XDECREF(a);
    }
    spans_free(&found[0]);
    spans_free(&found[1]);
    return result;
}

/* --- normalize.normalize_line in one call ------------------------------------------------------ */

/* ``text`` with each span replaced by what ``memo`` holds for its text (a slot without a value:
 * as written), a new reference (``text`` itself when nothing changed); NULL when a span is not in
 * the memo, each such span then appended to ``*missing`` (made when needed) as (which, group 1,
 * group 2, the match) for Python to work out, or NULL with an exception set on failure. */
static PyObject *spans_replaced(PyObject *text, const spans_t *spans, memo_t *memo, int which, PyObject **missing) {
    if (!spans->n) { Py_INCREF(text); return text; }
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), cap = n + 16 * spans->n + 16, k = 0, pos = 0;
    int changed = 0, lacking = 0;
    Py_UCS4 *out = PyMem_Malloc(sizeof(Py_UCS4) * cap);
    if (!out) return PyErr_NoMemory();
    for (Py_ssize_t i = 0; i < spans->n; i++) {
        span_t sp = spans->v[i];
        slot_t *s = memo_find(memo, hash_span(kind, data, sp.start, sp.end), kind, data, sp.start, sp.end);
        if (!s->used) {
            PyObject *item = Py_BuildValue("(iNNN)", which, PyUnicode_Substring(text, sp.start, sp.mid),
                                           PyUnicode_Substring(text, sp.mid + 1, sp.end),
                                           PyUnicode_Substring(text, sp.start, sp.end));
            if (!item || (!*missing && !(*missing = PyList_New(0))) || PyList_Append(*missing, item) < 0) {
                Py_XDECREF(item); PyMem_Free(out); return NULL;
            }
            Py_DECREF(item);
            lacking = 1;
            continue;
        }
        if (lacking) continue;
        Py_ssize_t len = s->value ? PyUnicode_GET_LENGTH(s->value) : 0;
        if (k + (sp.start - pos) + len + (n - sp.end) > cap) {
            cap = 2 * (k + (sp.start - pos) + len + (n - sp.end));
            Py_UCS4 *grown = PyMem_Realloc(out, sizeof(Py_UCS4) * cap);
            if (!grown) { PyMem_Free(out); return PyErr_NoMemory(); }
            out = grown;
        }
        for (Py_ssize_t j = pos; j < sp.start; j++) out[k++] = PyUnicode_READ(kind, data, j);
        if (s->value) {
            changed = 1;
            for (Py_ssize_t j = 0; j < len; j++) out[k++] = PyUnicode_READ_CHAR(s->value, j);
        } else {
            for (Py_ssize_t j = sp.start; j < sp.end; j++) out[k++] = PyUnicode_READ(kind, data, j);
        }
        pos = sp.end;
    }
    if (lacking) { PyMem_Free(out); return NULL; }
    for (Py_ssize_t j = pos; j < n; j++) out[k++] = PyUnicode_READ(kind, data, j);
    PyObject *result;
    if (changed) result = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, out, k);
    else { Py_INCREF(text); result = text; }
    PyMem_Free(out);
    return result;
}

static Py_ssize_t zwnj_count(PyObject *s) {
    int kind = PyUnicode_KIND(s);
    const void *data = PyUnicode_DATA(s);
    Py_ssize_t n = PyUnicode_GET_LENGTH(s), z = 0;
    if (kind == PyUnicode_1BYTE_KIND) return 0;
    for (Py_ssize_t i = 0; i < n; i++) z += PyUnicode_READ(kind, data, i) == ZWNJ;
    return z;
}

/* normalize_memo(line, chunks, prefixed, suffixed, arabic_words, suffixes) -> (text, letters,
 * zwnj_removed, zwnj_restored) | list | None: normalize.normalize_line(line, changes=...) with the
 * restorer's memos (``chunks``: restore_memo's; ``prefixed`` and ``suffixed``: what
 * Restorer._prefix_join and _suffix_join made of each spaced match, keyed by the match) and the
 * counts it adds to Changes.  A list: what the memos lack, chunks (str) and spaced matches
 * ((0 or 1, group 1, group 2, the match): prefix or suffix), which Python works out and
 * remembers before it asks again.  None where Python's steps are needed: a line clean_line leaves
 * to Python, one that may hold an Arabic clause (arabic_hint), a changed chunk after "و"
 * (Restorer._pairs). */
static PyObject *normalize_memo(PyObject *self, PyObject *args) {
    PyObject *line, *chunks_capsule, *prefix_capsule, *suffix_capsule, *arabic_words, *suffixes;
    if (!PyArg_ParseTuple(args, "UOOOO!O!", &line, &chunks_capsule, &prefix_capsule, &suffix_capsule,
                          &PyFrozenSet_Type, &arabic_words, &PyFrozenSet_Type, &suffixes)) return NULL;
    memo_t *chunks = memo_of(chunks_capsule), *prefixed = memo_of(prefix_capsule), *suffixed = memo_of(suffix_capsule);
    if (!chunks || !prefixed || !suffixed) return NULL;
    if (wordmask_for(&arabic_mask, arabic_words) < 0 || wordmask_for(&spaced_mask, suffixes) < 0) return NULL;
    PyObject *cleaned = clean_line(NULL, line), *restored = NULL, *joined = NULL, *done = NULL, *result = NULL;
    PyObject *missing = NULL;
    spans_t found[2];
    spans_init(&found[0]);
    spans_init(&found[1]);
    if (!cleaned) return NULL;
    if (cleaned == Py_None) goto fallback;
    Py_ssize_t letters = 0, removed = 0, added = 0;
    if (cleaned != line) {
        int same = PyUnicode_Compare(cleaned, line);
        if (same == -1 && PyErr_Occurred()) goto fail;
        if (same != 0) {                                  /* normalize_line's counts of a changed line */
            text_t t;
            if (text_of(line, &t) < 0) goto fail;
            Py_ssize_t n[3];
            BY_KIND(table_counts, t, 2, 0, n);                 /* line_counts(line) */
            letters = n[1];
            removed = n[2] - zwnj_count(cleaned);
            if (removed < 0) removed = 0;
        }
    }
    if (PyUnicode_GET_LENGTH(cleaned) == 0) { done = cleaned; cleaned = NULL; goto out; }
    text_t c;
    if (text_of(cleaned, &c) < 0) goto fail;
    int hint = BY_KIND(arabic_hint_of, c, &arabic_mask);   /* may hold an Arabic clause? */
    if (hint < 0) goto fail;
    if (hint) goto fallback;
    PyObject *memoed;
    switch (c.kind) {
    case PyUnicode_1BYTE_KIND: memoed = restore_memo_of(cleaned, chunks, PyUnicode_1BYTE_KIND); break;
    case PyUnicode_2BYTE_KIND: memoed = restore_memo_of(cleaned, chunks, PyUnicode_2BYTE_KIND); break;
    default: memoed = restore_memo_of(cleaned, chunks, PyUnicode_4BYTE_KIND);
    }
    if (!memoed) goto fail;
    if (PyList_Check(memoed)) { result = memoed; goto fail; }          /* chunks to learn */
    if (PyTuple_GET_ITEM(memoed, 1) == Py_True) { Py_DECREF(memoed); goto fallback; }
    restored = PyTuple_GET_ITEM(memoed, 0);
    Py_INCREF(restored);
    Py_DECREF(memoed);
    /* Restorer._spaced: the prefix matches joined, then the suffix matches of what that gave */
    text_t r;
    if (text_of(restored, &r) < 0 || BY_KIND(spaced_find, r, &spaced_mask, found, 0) < 0) goto fail;
    joined = spans_replaced(restored, &found[0], prefixed, 0, &missing);
    if (!joined) goto lacking;
    if (joined != restored) {
        int same = PyUnicode_Compare(joined, restored);
        if (same == -1 && PyErr_Occurred()) goto fail;
        if (same != 0) {                                   /* the suffix matches of the joined text */
            text_t j;
            found[1].n = 0;
            if (text_of(joined, &j) < 0 || BY_KIND(spaced_find, j, &spaced_mask, found, 1) < 0) goto fail;
        }
    }
    done = spans_replaced(joined, &found[1], suffixed, 1, &missing);
    if (!done) goto lacking;
    added = zwnj_count(done) - zwnj_count(cleaned);
out:
    result = Py_BuildValue("(Nnnn)", done, letters, removed, added);
    done = NULL;
fail:
    spans_free(&found[0]);
    spans_free(&found[1]);
    Py_XDECREF(cleaned);
    Py_XDECREF(restored);
    Py_XDECREF(joined);
    Py_XDECREF(done);
    return result;
lacking:                                                   /* spaced matches to learn (or an error) */
    if (!PyErr_Occurred()) result = missing;
    else Py_XDECREF(missing);
    goto fail;
fallback:
    result = Py_None;
    Py_INCREF(result);
    goto fail;
}

/* --- assemble.check_characters, decode.check_mojibake, dedup.content_digest ------------------- */

/* assemble._EITHER: control characters, bidi overrides, lone surrogates, noncharacters */
static int is_odd_char(Py_UCS4 c) {
    return c <= 0x08 || c == 0x0B || c == 0x0C || (c >= 0x0E && c <= 0x1F) || (c >= 0x7F && c <= 0x9F)
        || c == 0x202D || c == 0x202E || (c >= 0xD800 && c <= 0xDFFF) || (c >= 0xFDD0 && c <= 0xFDEF)
        || c == 0xFFFE || c == 0xFFFF;
}
/* assemble._MARK_FLOOD's class: combining marks */
static int is_flood_mark(Py_UCS4 c) {
    return (c >= 0x0300 && c <= 0x036F) || (c >= 0x0610 && c <= 0x061A) || (c >= 0x064B && c <= 0x065F)
        || c == 0x0670 || (c >= 0x06D6 && c <= 0x06ED) || (c >= 0x1AB0 && c <= 0x1AFF)
        || (c >= 0x1DC0 && c <= 0x1DFF) || (c >= 0x20D0 && c <= 0x20FF) || (c >= 0xFE20 && c <= 0xFE2F);
}

/* (A table look-up a character, no branch: Persian text's words and spaces took turns at a branch on
 * its range, guessed wrong at every word.  Neither class has a character past the BMP.) */
INLINE int odd_characters_of(text_t t, int unused) {
    unsigned found = 0, run = 0;
    for (Py_ssize_t i = 0; i < t.n; i++) {
        Py_UCS4 c = AT(t, i);
        unsigned k = c < 0x10000 ? bmp[c] : 0;
        found |= (k & C_ODD) != 0;
        run = (run + 1) & (0u - ((k & C_FLOOD) != 0));      /* the run of marks this one ends, or 0 */
        found |= (unsigned)(run >= 6) << 1;
    }
    return (int)found;
}

/* odd_characters(texts) -> int: over a sequence of str, whether any holds a character of
 * assemble._EITHER (bit 1) and whether any holds a run of six or more marks of
 * assemble._MARK_FLOOD (bit 2); the Python code then finds which and where. */
static PyObject *odd_characters(PyObject *self, PyObject *arg) {
    PyObject *seq = PySequence_Fast(arg, "a sequence of str is needed");
    if (!seq) return NULL;
    int found = 0;
    for (Py_ssize_t k = 0; k < PySequence_Fast_GET_SIZE(seq); k++) {
        text_t t;
        if (text_of(PySequence_Fast_GET_ITEM(seq, k), &t) < 0) { Py_DECREF(seq); return NULL; }
        found |= BY_KIND(odd_characters_of, t, 0);
    }
    Py_DECREF(seq);
    return PyLong_FromLong(found);
}

/* A str's characters as a bitmap of the BMP, built again only when another str is passed (the
 * modules pass their constants); -1 with ValueError for a character past the BMP. */
typedef struct { unsigned char bits[0x10000 / 8]; PyObject *built; } charset_t;
static int charset_for(charset_t *set, PyObject *chars) {
    if (set->built == chars) return 0;
    Py_CLEAR(set->built);
    memset(set->bits, 0, sizeof set->bits);
    for (Py_ssize_t i = 0; i < PyUnicode_GET_LENGTH(chars); i++) {
        Py_UCS4 c = PyUnicode_READ_CHAR(chars, i);
        if (c >= 0x10000) { PyErr_SetString(PyExc_ValueError, "BMP characters only"); return -1; }
        set->bits[c >> 3] |= (unsigned char)(1 << (c & 7));
    }
    Py_INCREF(chars);
    set->built = chars;
    return 0;
}
static inline int charset_has(const unsigned char *bits, Py_UCS4 c) { return c < 0x10000 && (bits[c >> 3] >> (c & 7) & 1); }

/* decode._ARABIC_SCRIPT */
static int is_arabic_script(Py_UCS4 c) {
    return (c >= 0x0600 && c <= 0x06FF) || (c >= 0x0750 && c <= 0x077F) || (c >= 0xFB50 && c <= 0xFDFF)
        || (c >= 0xFE70 && c <= 0xFEFC);
}

INLINE PyObject *mojibake_counts_of(text_t t, const unsigned char *in_tail) {
    Py_ssize_t pairs = 0, arabic = 0;
    for (Py_ssize_t i = 0; i < t.n; i++) {
        Py_UCS4 c = AT(t, i);
        arabic += c < 0x10000 && klass[c] & K_ARABIC_SCRIPT;
        if ((c == 0x0637 || c == 0x0638 || c == 0x0639 || c == 0x063A) && i + 1 < t.n) {
            Py_UCS4 d = AT(t, i + 1);
            if (charset_has(in_tail, d)) {
                pairs++;
                if (is_arabic_script(d)) arabic++;
                i++;
            }
        }
    }
    return Py_BuildValue("(nn)", pairs, arabic);
}

/* mojibake_counts(sample, tail) -> (pairs, arabic): decode.check_mojibake's counts: the
 * matches of decode._MOJIBAKE_1256 ([طظعغ] then a character of ``tail``, left to right, not
 * overlapping) and the characters of decode._ARABIC_SCRIPT. */
static PyObject *mojibake_counts(PyObject *self, PyObject *args) {
    PyObject *sample, *tail;
    if (!PyArg_ParseTuple(args, "UU", &sample, &tail)) return NULL;
    static charset_t in_tail;                          /* the tail's characters */
    if (charset_for(&in_tail, tail) < 0) return NULL;
    text_t t;
    if (text_of(sample, &t) < 0) return NULL;
    return BY_KIND(mojibake_counts_of, t, in_tail.bits);
}

/* collapse_space(text) -> str: " ".join(text.split()), white space as str.split() sees it. */
static PyObject *collapse_space(PyObject *self, PyObject *arg) {
    text_t t;
    if (text_of(arg, &t) < 0) return NULL;
    Py_UCS4 *out = PyMem_Malloc(sizeof(Py_UCS4) * (t.n + 1));
    if (!out) return PyErr_NoMemory();
    Py_ssize_t m = 0;
    int pending = 0;
    for (Py_ssize_t i = 0; i < t.n; i++) {
        Py_UCS4 c = AT(t, i);
        if (is_space(c)) { pending = m > 0; continue; }
        if (pending) { out[m++] = ' '; pending = 0; }
        out[m++] = c;
    }
    PyObject *result = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, out, m);
    PyMem_Free(out);
    return result;
}

/* --- decode.check_persian ------------------------------------------------------------------- */

/* letter_counts(text) -> (arabic, other): decode.check_persian's letters, as its UTF-8 lead bytes
 * count them: Arabic script U+0600-U+06FF; other letters ASCII letters, U+00C0-U+05FF,
 * U+0800-U+1FFF, U+3000-U+EFFF (lone surrogates included) and beyond the BMP. */
static inline int letter_class(Py_UCS4 c) {
    if (c >= 0x0600 && c <= 0x06FF) return 1;
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= 0x00C0 && c <= 0x05FF)
           || (c >= 0x0800 && c <= 0x1FFF) || (c >= 0x3000 && c <= 0xEFFF) || c >= 0x10000 ? 2 : 0;
}

static PyObject *letter_counts(PyObject *self, PyObject *arg) {
    text_t t;
    if (text_of(arg, &t) < 0) return NULL;
    return BY_KIND(table_counts_of, t, 0);
}
static PyObject *line_counts(PyObject *self, PyObject *arg) {
    text_t t;
    if (text_of(arg, &t) < 0) return NULL;
    return BY_KIND(table_counts_of, t, 2);
}

INLINE PyObject *function_words_of(text_t t, const wordmask_t **masks) {
    int kind = t.kind;
    const void *data = t.data;
    Py_ssize_t n = t.n, hits[2] = {0, 0};
    Py_UCS4 word[MASK_LEN];
    const wordmask_t *amask_ = masks[0], *pmask_ = masks[1];

    for (Py_ssize_t i = 0; i < n;) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c < 0x0600 || c > 0x06FF) { i++; continue; }
        Py_ssize_t e = i;
        while (e < n && (c = PyUnicode_READ(kind, data, e)) >= 0x0600 && c <= 0x06FF) {
            if (e - i < MASK_LEN) word[e - i] = c == 0x064A ? 0x06CC : c == 0x0643 ? 0x06A9 : c;
            e++;
        }
        if (e - i <= MASK_LEN && (wordmask_may(amask_, e - i, word[0], word[e - i - 1])
                                  || wordmask_may(pmask_, e - i, word[0], word[e - i - 1]))) {
            int a = wordmask_has(amask_, PyUnicode_4BYTE_KIND, word, 0, e - i),
                p = a < 0 ? -1 : wordmask_has(pmask_, PyUnicode_4BYTE_KIND, word, 0, e - i);
            if (a < 0 || p < 0) return NULL;
            hits[0] += a;
            hits[1] += p;
        }
        i = e;
    }
    return Py_BuildValue("(nn)", hits[0], hits[1]);
}

/* function_words(text, limit, arabic, persian) -> (arabic hits, persian hits):
 * decode.check_persian's counts: the runs of [\u0600-\u06ff] in text[:limit], ي as ی and ك as
 * ک, found in each frozenset (words of at most MASK_LEN characters). */
static PyObject *function_words(PyObject *self, PyObject *args) {
    PyObject *text, *arabic, *persian;
    Py_ssize_t limit;
    if (!PyArg_ParseTuple(args, "UnO!O!", &text, &limit, &PyFrozenSet_Type, &arabic, &PyFrozenSet_Type, &persian))
        return NULL;
    static wordmask_t amask, pmask;
    if (wordmask_for(&amask, arabic) < 0 || wordmask_for(&pmask, persian) < 0) return NULL;
    text_t t;
    if (text_of(text, &t) < 0) return NULL;
    if (limit < t.n) t.n = limit < 0 ? 0 : limit;
    const wordmask_t *masks[2] = {&amask, &pmask};
    return BY_KIND(function_words_of, t, masks);
}

/* --- record.raw_json: the canonical JSON of an imported record -------------------------------- */

/* What json.dumps(obj, ensure_ascii=False, sort_keys=True).encode("utf-8", "surrogatepass")
 * gives, written as UTF-8 directly (no str made and encoded again).  Only exact dicts with str
 * keys, lists, str, int, float, bool and None, nested at most JSON_DEPTH deep: anything else
 * (a tuple, a subclass, a non-str key, deeper nesting) is left to Python's json (None). */
#define JSON_DEPTH 64
typedef struct { char *buf; Py_ssize_t len, cap; } out_t;

static int out_reserve(out_t *o, Py_ssize_t more) {
    if (o->len + more <= o->cap) return 0;
    Py_ssize_t cap = o->cap * 2 > o->len + more ? o->cap * 2 : o->len + more + 256;
    char *grown = PyMem_Realloc(o->buf, cap);
    if (!grown) { PyErr_NoMemory(); return -1; }
    o->buf = grown;
    o->cap = cap;
    return 0;
}
static int out_put(out_t *o, const char *s, Py_ssize_t n) {
    if (out_reserve(o, n) < 0) return -1;
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    return 0;
}
/* a str as json's escape (ensure_ascii=False: only '"', '\\' and C0 controls escaped), in UTF-8
 * with surrogates written as three bytes each ("surrogatepass") */
/* a character json.dumps escapes (under U+0020, " and \\) at w; returns the end */
static char *json_escape(char *w, Py_UCS4 c) {
    *w++ = '\\';
    switch (c) {
    case '"': case '\\': *w++ = (char)c; break;
    case '\b': *w++ = 'b'; break;
    case '\f': *w++ = 'f'; break;
    case '\n': *w++ = 'n'; break;
    case '\r': *w++ = 'r'; break;
    case '\t': *w++ = 't'; break;
    default:
        *w++ = 'u'; *w++ = '0'; *w++ = '0';
        *w++ = "0123456789abcdef"[c >> 4]; *w++ = "0123456789abcdef"[c & 15];
    }
    return w;
}
static int json_string(out_t *o, PyObject *s) {
    int kind = PyUnicode_KIND(s);
    const void *data = PyUnicode_DATA(s);
    Py_ssize_t n = PyUnicode_GET_LENGTH(s);
    if (out_reserve(o, 6 * n + 2) < 0) return -1;     /* at most 6 bytes a character (\u00XX) */
    char *w = o->buf + o->len;
    *w++ = '"';
    if (kind == PyUnicode_2BYTE_KIND) {
        /* Persian text: put_utf8_bmp's loop (see utf8_put); the buffer has room for six bytes a character */
        const Py_UCS2 *d = data;
        unsigned char *u = (unsigned char *)w;
        for (Py_ssize_t i = 0; i < n; i++) {
            unsigned c = d[i];
            if (__builtin_expect((c < 0x20) | (c == '"') | (c == '\\'), 0)) {
                u = (unsigned char *)json_escape((char *)u, c);
                continue;
            }
            u = put_utf8_bmp(u, c);
        }
        w = (char *)u;
    } else {
        for (Py_ssize_t i = 0; i < n; i++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, i);
            if (c >= 0x80) w = put_utf8(w, c);
            else if (c < 0x20 || c == '"' || c == '\\') w = json_escape(w, c);
            else *w++ = (char)c;
        }
    }
    *w++ = '"';
    o->len = w - o->buf;
    return 0;
}
static int json_ascii(out_t *o, PyObject *text) {       /* an int's or a float's repr */
    if (!text) return -1;
    Py_ssize_t n;
    const char *s = PyUnicode_AsUTF8AndSize(text, &n);
    int rc = s ? out_put(o, s, n) : -1;
    Py_DECREF(text);
    return rc;
}
/* 1 written, 0 not this function's to write (Python's json then), -1 an error */
static int json_value(out_t *o, PyObject *v, int depth) {
    if (v == Py_None) return out_put(o, "null", 4) < 0 ? -1 : 1;
    if (v == Py_True) return out_put(o, "true", 4) < 0 ? -1 : 1;
    if (v == Py_False) return out_put(o, "false", 5) < 0 ? -1 : 1;
    if (PyUnicode_CheckExact(v)) return json_string(o, v) < 0 ? -1 : 1;
    if (PyLong_CheckExact(v)) return json_ascii(o, PyObject_Str(v)) < 0 ? -1 : 1;
    if (PyFloat_CheckExact(v)) {
        double d = PyFloat_AS_DOUBLE(v);
        if (d != d) return out_put(o, "NaN", 3) < 0 ? -1 : 1;
        if (d == Py_HUGE_VAL) return out_put(o, "Infinity", 8) < 0 ? -1 : 1;
        if (d == -Py_HUGE_VAL) return out_put(o, "-Infinity", 9) < 0 ? -1 : 1;
        return json_ascii(o, PyObject_Repr(v)) < 0 ? -1 : 1;
    }
    if (depth >= JSON_DEPTH) return 0;
    if (PyList_CheckExact(v)) {
        if (out_put(o, "[", 1) < 0) return -1;
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(v); i++) {
            if (i && out_put(o, ", ", 2) < 0) return -1;
            int rc = json_value(o, PyList_GET_ITEM(v, i), depth + 1);
            if (rc <= 0) return rc;
        }
        return out_put(o, "]", 1) < 0 ? -1 : 1;
    }
    if (PyDict_CheckExact(v)) {
        PyObject *keys = PyDict_Keys(v);
        if (!keys) return -1;
        int rc = 1;
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(keys); i++)
            if (!PyUnicode_CheckExact(PyList_GET_ITEM(keys, i))) { rc = 0; break; }
        if (rc == 1 && PyList_Sort(keys) < 0) rc = -1;
        if (rc == 1 && out_put(o, "{", 1) < 0) rc = -1;
        for (Py_ssize_t i = 0; rc == 1 && i < PyList_GET_SIZE(keys); i++) {
            PyObject *key = PyList_GET_ITEM(keys, i), *item = PyDict_GetItemWithError(v, key);
            if (!item) { rc = PyErr_Occurred() ? -1 : 0; break; }
            if ((i && out_put(o, ", ", 2) < 0) || json_string(o, key) < 0 || out_put(o, ": ", 2) < 0) { rc = -1; break; }
            Py_INCREF(item);
            rc = json_value(o, item, depth + 1);
            Py_DECREF(item);
        }
        Py_DECREF(keys);
        if (rc == 1 && out_put(o, "}", 1) < 0) rc = -1;
        return rc;
    }
    return 0;
}

/* raw_json(obj) -> bytes | None: record.raw_json's bytes, or None (Python's json writes them) */
static PyObject *raw_json(PyObject *self, PyObject *obj) {
    out_t o = {PyMem_Malloc(4096), 0, 4096};
    if (!o.buf) return PyErr_NoMemory();
    int rc = json_value(&o, obj, 0);
    PyObject *result = rc < 0 ? NULL : rc == 0 ? (Py_INCREF(Py_None), Py_None) : PyBytes_FromStringAndSize(o.buf, o.len);
    PyMem_Free(o.buf);
    return result;
}

/* --- shards.table_of: Arrow string columns from str values, encoded once ----------------------- */

/* Appends the UTF-8 of an exact str at w (room for 4 bytes a character is made by the caller);
 * returns the end, or NULL for a lone surrogate (no UTF-8 form: pyarrow's conversion decides). */
static char *utf8_put(char *w, PyObject *s) {
    Py_ssize_t n = PyUnicode_GET_LENGTH(s);
    if (PyUnicode_IS_ASCII(s)) { memcpy(w, PyUnicode_DATA(s), n); return w + n; }
    int kind = PyUnicode_KIND(s);
    const void *data = PyUnicode_DATA(s);
    if (kind == PyUnicode_2BYTE_KIND) {
        /* Persian text: its own loop, put_utf8_bmp's (3 ns a character with put_utf8, 1 this
         * way); the column's buffer has room for three bytes a character (utf8_bound), so the
         * bytes written past the end are always inside it. */
        const Py_UCS2 *d = data;
        unsigned char *u = (unsigned char *)w;
        for (Py_ssize_t i = 0; i < n; i++) {
            unsigned c = d[i];
            if (__builtin_expect(c - 0xD800u < 0x800u, 0)) return NULL;        /* a lone surrogate */
            u = put_utf8_bmp(u, c);
        }
        return (char *)u;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (is_surrogate(c)) return NULL;
        w = put_utf8(w, c);
    }
    return w;
}
static Py_ssize_t utf8_bound(PyObject *s) {          /* bytes its UTF-8 takes at most */
    return PyUnicode_IS_ASCII(s) ? PyUnicode_GET_LENGTH(s)
         : PyUnicode_GET_LENGTH(s) * (PyUnicode_KIND(s) == PyUnicode_1BYTE_KIND ? 2 : PyUnicode_KIND(s) == PyUnicode_2BYTE_KIND ? 3 : 4);
}

/* The strings of ``items`` (exact str each, their UTF-8 fitting the buffer: utf8_column measured
 * it) appended to a column's data at ``*len``, their end offsets to ``offsets`` from ``*k`` on:
 * 0, or 1 for a lone surrogate (pyarrow's conversion then decides). */
static int utf8_strings(PyObject **items, Py_ssize_t n, int32_t *offsets, Py_ssize_t *k, char *buf, Py_ssize_t *len) {
    for (Py_ssize_t i = 0; i < n; i++) {
        char *end = utf8_put(buf + *len, items[i]);
        if (!end) return 1;
        *len = end - buf;
        offsets[++*k] = (int32_t)*len;
    }
    return 0;
}

/* utf8_column(values[, lists]) -> tuple | None: an Arrow column's buffers for a list of str or None
 * (validity bitmap or None, int32 offsets, UTF-8 data, null count), or with ``lists`` for a list of
 * (list of str) or None (validity or None, the lists' offsets, the strings' offsets, data, null count);
 * None where pyarrow's own conversion must decide (anything but exact str items, a lone surrogate). */
static PyObject *utf8_column(PyObject *self, PyObject *args) {
    PyObject *values;
    int lists = 0;
    if (!PyArg_ParseTuple(args, "O!|p", &PyList_Type, &values, &lists)) return NULL;
    Py_ssize_t n = PyList_GET_SIZE(values), strings = 0, nulls = 0, bound = 0;
    for (Py_ssize_t i = 0; i < n; i++) {                /* the sizes first: the data is written in place */
        PyObject *v = PyList_GET_ITEM(values, i);
        if (v == Py_None) { nulls++; continue; }
        PyObject **items = &v;
        Py_ssize_t count = 1;
        if (lists) {
            if (!PyList_CheckExact(v)) Py_RETURN_NONE;
            items = PySequence_Fast_ITEMS(v);
            count = PyList_GET_SIZE(v);
        }
        for (Py_ssize_t j = 0; j < count; j++) {
            if (!PyUnicode_CheckExact(items[j])) Py_RETURN_NONE;
            bound += utf8_bound(items[j]);
        }
        strings += count;
        if (bound > INT32_MAX) Py_RETURN_NONE;
    }
    PyObject *validity = NULL, *outer = NULL, *inner = NULL, *data = NULL, *result = NULL;
    Py_ssize_t len = 0, k = 0, j = 0;
    if (!(data = PyBytes_FromStringAndSize(NULL, bound))) return NULL;
    char *buf = PyBytes_AS_STRING(data);
    if (nulls) {
        if (!(validity = PyBytes_FromStringAndSize(NULL, (n + 7) / 8))) goto done;
        memset(PyBytes_AS_STRING(validity), 0, (n + 7) / 8);
    }
    if (lists && !(outer = PyBytes_FromStringAndSize(NULL, (n + 1) * sizeof(int32_t)))) goto done;
    if (!(inner = PyBytes_FromStringAndSize(NULL, ((lists ? strings : n) + 1) * sizeof(int32_t)))) goto done;
    int32_t *offsets = (int32_t *)PyBytes_AS_STRING(inner), *list_offsets = lists ? (int32_t *)PyBytes_AS_STRING(outer) : NULL;
    offsets[0] = 0;
    if (lists) list_offsets[0] = 0;
    int rc = 0;
    for (Py_ssize_t i = 0; i < n && rc == 0; i++) {      /* (the buffer never grows: it has the bound) */
        PyObject *v = PyList_GET_ITEM(values, i);
        if (v != Py_None && validity) PyBytes_AS_STRING(validity)[i >> 3] |= (char)(1 << (i & 7));
        if (lists) {
            if (v != Py_None) rc = utf8_strings(PySequence_Fast_ITEMS(v), PyList_GET_SIZE(v), offsets, &k, buf, &len);
            list_offsets[++j] = (int32_t)k;
        } else if (v == Py_None) {
            offsets[++k] = (int32_t)len;
        } else {
            rc = utf8_strings(&v, 1, offsets, &k, buf, &len);
        }
    }
    if (rc < 0) goto done;
    if (rc > 0) { result = Py_None; Py_INCREF(result); goto done; }
    if (_PyBytes_Resize(&data, len) < 0) goto done;      /* (data is NULL then) */
    if (!validity) { validity = Py_None; Py_INCREF(validity); }
    result = lists ? Py_BuildValue("(ONNNn)", validity, outer, inner, data, nulls)
                   : Py_BuildValue("(ONNn)", validity, inner, data, nulls);
    if (result) { inner = NULL; data = NULL; if (lists) outer = NULL; }
done:
    Py_XDECREF(data);
    Py_XDECREF(validity);
    Py_XDECREF(outer);
    Py_XDECREF(inner);
    return result;
}

/* --- exports: whether an export's bytes are UTF-8, without decoding them ------------------------ */

/* utf8_valid(data) -> bool: whether ``data.decode("utf-8")`` succeeds: the well-formed sequences
 * of Unicode's table 3-7 (no overlong form, no surrogate, nothing past U+10FFFF, none cut short),
 * ASCII eight bytes at a time, without the GIL (a thread may check a file while Python works). */
static PyObject *utf8_valid(PyObject *self, PyObject *arg) {
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0) return NULL;
    const unsigned char *b = view.buf;
    Py_ssize_t n = view.len, i = 0;
    int ok = 1;
    Py_BEGIN_ALLOW_THREADS                              /* (no Python object is touched below) */
    while (i < n) {
        if (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, b + i, 8);
            if (!(w & 0x8080808080808080ULL)) { i += 8; continue; }
        }
        unsigned char c = b[i];
        if (c < 0x80) { i++; continue; }
        if (c >= 0xC2 && c <= 0xDF && i + 1 < n && (b[i + 1] & 0xC0) == 0x80) { i += 2; continue; }   /* Persian's */
        Py_ssize_t len;
        unsigned char lo = 0x80, hi = 0xBF;            /* the second byte's range */
        if (c >= 0xC2 && c <= 0xDF) len = 2;
        else if (c >= 0xE0 && c <= 0xEF) { len = 3; if (c == 0xE0) lo = 0xA0; else if (c == 0xED) hi = 0x9F; }
        else if (c >= 0xF0 && c <= 0xF4) { len = 4; if (c == 0xF0) lo = 0x90; else if (c == 0xF4) hi = 0x8F; }
        else { ok = 0; break; }
        if (i + len > n || b[i + 1] < lo || b[i + 1] > hi) { ok = 0; break; }
        for (Py_ssize_t k = 2; k < len; k++)
            if (b[i + k] < 0x80 || b[i + k] > 0xBF) { ok = 0; break; }
        if (!ok) break;
        i += len;
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    return PyBool_FromLong(ok);
}

/* collapse_utf8(text) -> bytes | None: " ".join(text.split()).encode("utf-8") in one pass (dedup's
 * content digest hashes these bytes); None for a lone surrogate (Python's encode then raises). */
INLINE PyObject *collapse_utf8_of(text_t t, int unused) {
    PyObject *out = PyBytes_FromStringAndSize(NULL, 4 * t.n + 1);
    if (!out) return NULL;
    char *w0 = PyBytes_AS_STRING(out), *w = w0;
    int pending = 0;
    for (Py_ssize_t i = 0; i < t.n; i++) {
        Py_UCS4 c = AT(t, i);
        if (is_space(c)) { pending = w > w0; continue; }
        if (pending) { *w++ = ' '; pending = 0; }
        if (is_surrogate(c)) { Py_DECREF(out); Py_RETURN_NONE; }
        w = put_utf8(w, c);
    }
    if (_PyBytes_Resize(&out, w - w0) < 0) return NULL;
    return out;
}
static PyObject *collapse_utf8(PyObject *self, PyObject *arg) {
    text_t t;
    if (text_of(arg, &t) < 0) return NULL;
    return BY_KIND(collapse_utf8_of, t, 0);
}

/* --- decode.check_persian: a letter only other languages write ---------------------------------- */

/* has_any(text, chars, end) -> bool: whether text[:end] holds a character of ``chars`` (a str
 * of BMP characters, kept as a charset_t). */
INLINE int has_any_of(text_t t, const unsigned char *bits) {
    for (Py_ssize_t i = 0; i < t.n; i++) {
        Py_UCS4 c = AT(t, i);
        if (charset_has(bits, c)) return 1;
    }
    return 0;
}
static PyObject *has_any(PyObject *self, PyObject *args) {
    PyObject *text, *chars;
    Py_ssize_t end;
    if (!PyArg_ParseTuple(args, "UUn", &text, &chars, &end)) return NULL;
    static charset_t set;
    if (charset_for(&set, chars) < 0) return NULL;
    text_t t;
    if (text_of(text, &t) < 0) return NULL;
    if (end < t.n) t.n = end < 0 ? 0 : end;
    return PyBool_FromLong(BY_KIND(has_any_of, t, set.bits));
}

static PyMethodDef methods[] = {
    {"has_any", has_any, METH_VARARGS, "Whether text[:end] holds one of the characters of a str."},
    {"collapse_utf8", collapse_utf8, METH_O, "' '.join(text.split()).encode('utf-8'), or None: use Python."},
    {"utf8_valid", utf8_valid, METH_O, "Whether bytes decode as UTF-8 (strictly, as bytes.decode does)."},
    {"utf8_column", utf8_column, METH_VARARGS, "An Arrow string (or list of string) column's buffers, or None: use pyarrow."},
    {"raw_json", raw_json, METH_O, "record.raw_json(obj): canonical JSON as UTF-8 bytes, or None: use Python."},
    {"letter_counts", letter_counts, METH_O, "check_persian's (Arabic-script, other) letter counts."},
    {"memo_new", memo_new, METH_O, "A memo of the restorer's chunks, of at most ``limit`` chunks."},
    {"memo_put", memo_put, METH_VARARGS, "memo_put(memo, chunk, restored or None)."},
    {"memo_len", memo_len, METH_O, "How many chunks the memo holds."},
    {"restore_memo", restore_memo, METH_VARARGS, "Restorer._text's memo: the text's chunks replaced, or the unknown ones."},
    {"odd_characters", odd_characters, METH_O, "check_characters' scan: bit 1 a control/override/noncharacter, bit 2 a mark flood."},
    {"mojibake_counts", mojibake_counts, METH_VARARGS, "check_mojibake's counts: (cp1256 pairs, Arabic-script characters)."},
    {"collapse_space", collapse_space, METH_O, "' '.join(text.split())."},
    {"line_counts", line_counts, METH_O, "normalize_line's counts of a changed line: (letters, ZWNJs and marks)."},
    {"function_words", function_words, METH_VARARGS, "decode.check_persian's Arabic and Persian function word counts."},
    {"arabic_hint", arabic_hint, METH_VARARGS, "zwnj._may_be_arabic(text): whether zwnj._ARABIC_HINT finds anything."},
    {"align", align, METH_VARARGS, "offsets.align(raw, norm[, expand]), or None (no expand given): use Python."},
    {"clean_line", clean_line, METH_O, "normalize._clean_line(line), or None: use Python."},
    {"sentence_count", sentence_count, METH_O, "segment.sentence_count(text)."},
    {"normalize_memo", normalize_memo, METH_VARARGS, "normalize_line with the restorer's memos: (text, letters, zwnj_removed, zwnj_restored), or None: use Python."},
    {"spaced_spans", spaced_spans, METH_VARARGS, "The matches of zwnj._SPACED_PREFIX and zwnj._SPACED_SUFFIX, as (start, mid, end)."},
    {"token_count", token_count, METH_O, "Tokens of a text with no URL or e-mail address (segment._PLAIN_TOKEN)."},
    {"word_hashes", word_hashes, METH_O, "CRC-32 of every dedup._WORDISH word, as uint32 bytes (None: use Python)."},
    {"minhash", minhash, METH_VARARGS, "dedup.fingerprint from word hashes: (signature, shingles) as uint32 bytes."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "khabar_native", NULL, -1, methods};

PyMODINIT_FUNC PyInit_khabar_native(void) {
    crc_init();
    classes_init();
    clean_map_init();
    klass_init();
    PyObject *m = PyModule_Create(&module);
    if (m && PyModule_AddIntConstant(m, "API", 18) < 0) { Py_DECREF(m); return NULL; }
    return m;
}
