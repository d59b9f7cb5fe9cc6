//! The lexer: bytes → tokens, a port of PUC-Rio Lua 5.4's `llex.c`.
//!
//! # Design
//! The lexer works directly on the source slice with one byte of look-ahead (`current`), and
//! keeps `llex.c`'s token buffer: every name, string and numeral is accumulated in one reused
//! `Vec<u8>`, which is also what error messages quote ("near '\"abc'"). Keeping that buffer,
//! rather than source spans, is what makes our messages byte-identical to Lua's, including
//! the quirks (an escape error quotes the string as processed so far).
//!
//! Names and strings are interned ([`Interner`]) so tokens and expression descriptors are
//! small `Copy` values and the parser compares names as integers. The lexer is linear: each
//! source byte is looked at a bounded number of times; the only allocation per token is the
//! interning of a new distinct string.
//!
//! Line counting treats `\n`, `\r`, `\r\n` and `\n\r` as one line break, like `inclinenumber`.

use std::collections::HashMap;
use std::rc::Rc;

use super::CompileError;
use crate::number::{self, Number};

/// An interned string: an index into the [`Interner`].
pub(crate) type StrId = u32;

/// Interns byte strings so the compiler can compare and copy them as integers.
#[derive(Default)]
pub(crate) struct Interner {
    strings: Vec<Rc<[u8]>>,
    // Randomly seeded: the map is never iterated (output cannot depend on the seed), and a
    // random seed keeps crafted sources from degrading it.
    map: HashMap<Rc<[u8]>, StrId, foldhash::fast::RandomState>,
}

impl Interner {
    /// The id of `s`, interning it if new.
    pub fn intern(&mut self, s: &[u8]) -> StrId {
        if let Some(&id) = self.map.get(s) {
            return id;
        }
        let id = self.strings.len() as StrId;
        let rc: Rc<[u8]> = Rc::from(s);
        self.strings.push(rc.clone());
        self.map.insert(rc, id);
        id
    }

    /// The bytes of an interned string.
    pub fn get(&self, id: StrId) -> &[u8] {
        self.strings.get(id as usize).map_or(&[], |s| &s[..])
    }
}

/// Token kinds. Single-byte symbols are `Char`; the rest are in `llex.h`'s `RESERVED` order.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Tk {
    Char(u8),
    And,
    Break,
    Do,
    Else,
    Elseif,
    End,
    False,
    For,
    Function,
    Goto,
    If,
    In,
    Local,
    Nil,
    Not,
    Or,
    Repeat,
    Return,
    Then,
    True,
    Until,
    While,
    IDiv,
    Concat,
    Dots,
    Eq,
    Ge,
    Le,
    Ne,
    Shl,
    Shr,
    DbColon,
    Eos,
    Flt,
    Int,
    Name,
    Str,
}

impl Tk {
    /// `luaX_token2str`: how a token kind is named in messages.
    pub fn describe(self) -> String {
        let fixed = match self {
            Tk::Char(c) => {
                return if (32..127).contains(&c) {
                    format!("'{}'", c as char)
                } else {
                    format!("'<\\{c}>'")
                }
            }
            Tk::And => "and",
            Tk::Break => "break",
            Tk::Do => "do",
            Tk::Else => "else",
            Tk::Elseif => "elseif",
            Tk::End => "end",
            Tk::False => "false",
            Tk::For => "for",
            Tk::Function => "function",
            Tk::Goto => "goto",
            Tk::If => "if",
            Tk::In => "in",
            Tk::Local => "local",
            Tk::Nil => "nil",
            Tk::Not => "not",
            Tk::Or => "or",
            Tk::Repeat => "repeat",
            Tk::Return => "return",
            Tk::Then => "then",
            Tk::True => "true",
            Tk::Until => "until",
            Tk::While => "while",
            Tk::IDiv => "//",
            Tk::Concat => "..",
            Tk::Dots => "...",
            Tk::Eq => "==",
            Tk::Ge => ">=",
            Tk::Le => "<=",
            Tk::Ne => "~=",
            Tk::Shl => "<<",
            Tk::Shr => ">>",
            Tk::DbColon => "::",
            Tk::Eos => return "<eof>".into(),
            Tk::Flt => return "<number>".into(),
            Tk::Int => return "<integer>".into(),
            Tk::Name => return "<name>".into(),
            Tk::Str => return "<string>".into(),
        };
        format!("'{fixed}'")
    }
}

/// Semantic value of a token.
#[derive(Copy, Clone, Debug, PartialEq)]
pub(crate) enum Sem {
    None,
    Int(i64),
    Flt(f64),
    Str(StrId),
}

/// A token with its semantic value.
#[derive(Copy, Clone, Debug, PartialEq)]
pub(crate) struct Token {
    pub tk: Tk,
    pub sem: Sem,
}

impl Token {
    const EOS: Token = Token {
        tk: Tk::Eos,
        sem: Sem::None,
    };

    /// The string of a `Name`/`Str` token (0 for others; callers check the kind first).
    pub fn str_id(&self) -> StrId {
        match self.sem {
            Sem::Str(s) => s,
            _ => 0,
        }
    }
}

/// End of input, as `current`.
const EOZ: i32 = -1;

/// Lexer state (`LexState` minus the parser parts).
pub(crate) struct Lexer<'s> {
    src: &'s [u8],
    pos: usize,
    current: i32,
    /// Current line (`linenumber`).
    pub line: u32,
    /// Line of the last token consumed (`lastline`).
    pub last_line: u32,
    /// The current token.
    pub t: Token,
    lookahead: Option<Token>,
    buf: Vec<u8>,
    /// Interned names and strings.
    pub strings: Interner,
    /// `luaO_chunkid` of the chunk name, the prefix of every message.
    pub chunk_id: String,
}

type LexResult<T> = Result<T, CompileError>;

fn is_alpha(c: i32) -> bool {
    c >= 0 && (c as u8 == b'_' || (c as u8).is_ascii_alphabetic())
}

fn is_alnum(c: i32) -> bool {
    c >= 0 && (c as u8 == b'_' || (c as u8).is_ascii_alphanumeric())
}

fn is_digit(c: i32) -> bool {
    c >= 0 && (c as u8).is_ascii_digit()
}

fn is_xdigit(c: i32) -> bool {
    c >= 0 && (c as u8).is_ascii_hexdigit()
}

fn is_newline(c: i32) -> bool {
    c == b'\n' as i32 || c == b'\r' as i32
}

fn keyword(s: &[u8]) -> Option<Tk> {
    Some(match s {
        b"and" => Tk::And,
        b"break" => Tk::Break,
        b"do" => Tk::Do,
        b"else" => Tk::Else,
        b"elseif" => Tk::Elseif,
        b"end" => Tk::End,
        b"false" => Tk::False,
        b"for" => Tk::For,
        b"function" => Tk::Function,
        b"goto" => Tk::Goto,
        b"if" => Tk::If,
        b"in" => Tk::In,
        b"local" => Tk::Local,
        b"nil" => Tk::Nil,
        b"not" => Tk::Not,
        b"or" => Tk::Or,
        b"repeat" => Tk::Repeat,
        b"return" => Tk::Return,
        b"then" => Tk::Then,
        b"true" => Tk::True,
        b"until" => Tk::Until,
        b"while" => Tk::While,
        _ => return None,
    })
}

impl<'s> Lexer<'s> {
    /// A lexer over `src` (already stripped of a `#` first line), reporting errors with the
    /// given chunk id.
    pub fn new(src: &'s [u8], chunk_id: String) -> Lexer<'s> {
        let mut lx = Lexer {
            src,
            pos: 0,
            current: EOZ,
            line: 1,
            last_line: 1,
            t: Token {
                tk: Tk::Char(0),
                sem: Sem::None,
            },
            lookahead: None,
            buf: Vec::with_capacity(64),
            strings: Interner::default(),
            chunk_id,
        };
        lx.advance();
        lx
    }

    #[inline]
    fn advance(&mut self) {
        self.current = match self.src.get(self.pos) {
            Some(&c) => {
                self.pos += 1;
                c as i32
            }
            None => EOZ,
        };
    }

    #[inline]
    fn save(&mut self, c: i32) {
        self.buf.push(c as u8);
    }

    #[inline]
    fn save_and_next(&mut self) {
        self.save(self.current);
        self.advance();
    }

    /// Formats a message with the chunk and line prefix (`luaG_addinfo`).
    pub fn located(&self, msg: &str) -> String {
        format!("{}:{}: {}", self.chunk_id, self.line, msg)
    }

    /// `txtToken`: the text quoted after "near".
    fn token_text(&self, tk: Tk) -> String {
        match tk {
            Tk::Name | Tk::Str | Tk::Flt | Tk::Int => {
                // Lua formats the buffer with "%s": it stops at the first zero byte.
                let end = self
                    .buf
                    .iter()
                    .position(|&c| c == 0)
                    .unwrap_or(self.buf.len());
                format!("'{}'", String::from_utf8_lossy(&self.buf[..end]))
            }
            _ => tk.describe(),
        }
    }

    /// `lexerror`: an error at the current line, "near" the given token (if any).
    pub fn error_near(&self, msg: &str, tk: Option<Tk>) -> CompileError {
        let mut m = self.located(msg);
        if let Some(tk) = tk {
            m.push_str(" near ");
            m.push_str(&self.token_text(tk));
        }
        CompileError { message: m }
    }

    /// `luaX_syntaxerror`: an error near the current token.
    pub fn syntax_error(&self, msg: &str) -> CompileError {
        self.error_near(msg, Some(self.t.tk))
    }

    fn inc_line(&mut self) {
        let old = self.current;
        self.advance(); // skip '\n' or '\r'
        if is_newline(self.current) && self.current != old {
            self.advance(); // skip '\n\r' or '\r\n'
        }
        self.line = self.line.saturating_add(1);
    }

    /// `luaX_next`: moves to the next token.
    pub fn next(&mut self) -> LexResult<()> {
        self.last_line = self.line;
        if let Some(t) = self.lookahead.take() {
            self.t = t;
        } else {
            self.t = self.lex()?;
        }
        Ok(())
    }

    /// `luaX_lookahead`: peeks at the token after the current one.
    pub fn lookahead(&mut self) -> LexResult<Tk> {
        let t = self.lex()?;
        self.lookahead = Some(t);
        Ok(t.tk)
    }

    fn check_next1(&mut self, c: u8) -> bool {
        if self.current == c as i32 {
            self.advance();
            true
        } else {
            false
        }
    }

    fn check_next2(&mut self, a: u8, b: u8) -> bool {
        if self.current == a as i32 || self.current == b as i32 {
            self.save_and_next();
            true
        } else {
            false
        }
    }

    fn read_numeral(&mut self) -> LexResult<Token> {
        let first = self.current;
        let (mut e1, mut e2) = (b'E', b'e');
        self.save_and_next();
        if first == b'0' as i32 && self.check_next2(b'x', b'X') {
            (e1, e2) = (b'P', b'p');
        }
        loop {
            if self.check_next2(e1, e2) {
                self.check_next2(b'-', b'+');
            } else if is_xdigit(self.current) || self.current == b'.' as i32 {
                self.save_and_next();
            } else {
                break;
            }
        }
        if is_alpha(self.current) {
            self.save_and_next(); // numeral touching a letter: force an error
        }
        match number::str_to_number(&self.buf) {
            Some(Number::Int(i)) => Ok(Token {
                tk: Tk::Int,
                sem: Sem::Int(i),
            }),
            Some(Number::Float(f)) => Ok(Token {
                tk: Tk::Flt,
                sem: Sem::Flt(f),
            }),
            None => Err(self.error_near("malformed number", Some(Tk::Flt))),
        }
    }

    /// `skip_sep`: reads `[=*[` or `]=*]` leaving the last bracket; returns the number of
    /// '='s + 2 if well formed, 1 for a lone bracket, 0 for an unfinished `[==`.
    fn skip_sep(&mut self) -> usize {
        let mut count = 0;
        let s = self.current;
        self.save_and_next();
        while self.current == b'=' as i32 {
            self.save_and_next();
            count += 1;
        }
        if self.current == s {
            count + 2
        } else if count == 0 {
            1
        } else {
            0
        }
    }

    /// Reads a long string (`is_string`) or long comment after its opening `[=*`.
    fn read_long_string(&mut self, is_string: bool, sep: usize) -> LexResult<Option<StrId>> {
        let line = self.line;
        self.save_and_next(); // skip 2nd '['
        if is_newline(self.current) {
            self.inc_line();
        }
        loop {
            match self.current {
                EOZ => {
                    let what = if is_string { "string" } else { "comment" };
                    let msg = format!("unfinished long {what} (starting at line {line})");
                    return Err(self.error_near(&msg, Some(Tk::Eos)));
                }
                0x5d /* ']' */ => {
                    if self.skip_sep() == sep {
                        self.save_and_next(); // skip 2nd ']'
                        break;
                    }
                }
                0x0a | 0x0d => {
                    self.save(b'\n' as i32);
                    self.inc_line();
                    if !is_string {
                        self.buf.clear();
                    }
                }
                _ => {
                    if is_string {
                        self.save_and_next();
                    } else {
                        self.advance();
                    }
                }
            }
        }
        if is_string {
            let len = self.buf.len();
            let s = self.buf.get(sep..len.saturating_sub(sep)).unwrap_or(&[]);
            Ok(Some(self.strings.intern(s)))
        } else {
            Ok(None)
        }
    }

    fn esc_check(&mut self, ok: bool, msg: &str) -> LexResult<()> {
        if ok {
            return Ok(());
        }
        if self.current != EOZ {
            self.save_and_next(); // add current to buffer for the error message
        }
        Err(self.error_near(msg, Some(Tk::Str)))
    }

    fn get_hexa(&mut self) -> LexResult<u32> {
        self.save_and_next();
        self.esc_check(is_xdigit(self.current), "hexadecimal digit expected")?;
        Ok((self.current as u8 as char).to_digit(16).unwrap_or(0))
    }

    fn read_hexa_esc(&mut self) -> LexResult<u8> {
        let r = self.get_hexa()?;
        let r = (r << 4) + self.get_hexa()?;
        self.buf.truncate(self.buf.len().saturating_sub(2));
        Ok(r as u8)
    }

    fn read_utf8_esc(&mut self) -> LexResult<u32> {
        let mut i = 4; // chars to remove: '\', 'u', '{', and the first digit
        self.save_and_next(); // skip 'u'
        self.esc_check(self.current == b'{' as i32, "missing '{'")?;
        let mut r = self.get_hexa()?; // at least one digit
        loop {
            self.save_and_next();
            if !is_xdigit(self.current) {
                break;
            }
            i += 1;
            self.esc_check(r <= (0x7FFF_FFFF >> 4), "UTF-8 value too large")?;
            r = (r << 4) + (self.current as u8 as char).to_digit(16).unwrap_or(0);
        }
        self.esc_check(self.current == b'}' as i32, "missing '}'")?;
        self.advance(); // skip '}'
        self.buf.truncate(self.buf.len().saturating_sub(i));
        Ok(r)
    }

    fn read_dec_esc(&mut self) -> LexResult<u8> {
        let mut r: u32 = 0;
        let mut i = 0;
        while i < 3 && is_digit(self.current) {
            r = 10 * r + (self.current - b'0' as i32) as u32;
            self.save_and_next();
            i += 1;
        }
        self.esc_check(r <= 255, "decimal escape too large")?;
        self.buf.truncate(self.buf.len().saturating_sub(i));
        Ok(r as u8)
    }

    fn read_string(&mut self, del: i32) -> LexResult<StrId> {
        self.save_and_next(); // keep the delimiter (for error messages)
        while self.current != del {
            match self.current {
                EOZ => return Err(self.error_near("unfinished string", Some(Tk::Eos))),
                0x0a | 0x0d => return Err(self.error_near("unfinished string", Some(Tk::Str))),
                0x5c /* '\\' */ => {
                    self.save_and_next(); // keep '\\' for error messages
                    let c: u8 = match self.current {
                        EOZ => continue, // raises "unfinished string" next iteration
                        0x0a | 0x0d => {
                            self.inc_line();
                            self.buf.pop(); // remove '\\'
                            self.buf.push(b'\n');
                            continue;
                        }
                        c => match c as u8 {
                            b'a' => 7,
                            b'b' => 8,
                            b'f' => 12,
                            b'n' => b'\n',
                            b'r' => b'\r',
                            b't' => b'\t',
                            b'v' => 11,
                            b'x' => self.read_hexa_esc()?,
                            b'\\' | b'"' | b'\'' => c as u8,
                            b'u' => {
                                // read_utf8_esc removes the '\\' and the digits itself
                                let r = self.read_utf8_esc()?;
                                utf8_encode(r, &mut self.buf);
                                continue;
                            }
                            b'z' => {
                                self.buf.pop(); // remove '\\'
                                self.advance(); // skip the 'z'
                                while self.current >= 0 && number::is_space(self.current as u8) {
                                    if is_newline(self.current) {
                                        self.inc_line();
                                    } else {
                                        self.advance();
                                    }
                                }
                                continue;
                            }
                            _ => {
                                self.esc_check(is_digit(self.current), "invalid escape sequence")?;
                                let c = self.read_dec_esc()?;
                                self.buf.pop(); // remove '\\'
                                self.buf.push(c);
                                continue;
                            }
                        },
                    };
                    // read_save: skip the escape character, replace '\\' by the value
                    self.advance();
                    self.buf.pop();
                    self.buf.push(c);
                }
                _ => self.save_and_next(),
            }
        }
        self.save_and_next(); // skip the delimiter
        let len = self.buf.len();
        let s = self.buf.get(1..len.saturating_sub(1)).unwrap_or(&[]);
        Ok(self.strings.intern(s))
    }

    fn tok(tk: Tk) -> LexResult<Token> {
        Ok(Token { tk, sem: Sem::None })
    }

    /// `llex`: reads one token.
    fn lex(&mut self) -> LexResult<Token> {
        self.buf.clear();
        loop {
            let c = self.current;
            if c == EOZ {
                return Ok(Token::EOS);
            }
            match c as u8 {
                b'\n' | b'\r' => self.inc_line(),
                b' ' | b'\x0c' | b'\t' | b'\x0b' => self.advance(),
                b'-' => {
                    self.advance();
                    if self.current != b'-' as i32 {
                        return Self::tok(Tk::Char(b'-'));
                    }
                    self.advance(); // a comment
                    if self.current == b'[' as i32 {
                        let sep = self.skip_sep();
                        self.buf.clear();
                        if sep >= 2 {
                            self.read_long_string(false, sep)?;
                            self.buf.clear();
                            continue;
                        }
                    }
                    // short comment: skip to the end of the line
                    while !is_newline(self.current) && self.current != EOZ {
                        self.advance();
                    }
                }
                b'[' => {
                    let sep = self.skip_sep();
                    if sep >= 2 {
                        let s = self.read_long_string(true, sep)?.unwrap_or(0);
                        return Ok(Token {
                            tk: Tk::Str,
                            sem: Sem::Str(s),
                        });
                    } else if sep == 0 {
                        return Err(self.error_near("invalid long string delimiter", Some(Tk::Str)));
                    }
                    return Self::tok(Tk::Char(b'['));
                }
                b'=' => {
                    self.advance();
                    return Self::tok(if self.check_next1(b'=') {
                        Tk::Eq
                    } else {
                        Tk::Char(b'=')
                    });
                }
                b'<' => {
                    self.advance();
                    return Self::tok(if self.check_next1(b'=') {
                        Tk::Le
                    } else if self.check_next1(b'<') {
                        Tk::Shl
                    } else {
                        Tk::Char(b'<')
                    });
                }
                b'>' => {
                    self.advance();
                    return Self::tok(if self.check_next1(b'=') {
                        Tk::Ge
                    } else if self.check_next1(b'>') {
                        Tk::Shr
                    } else {
                        Tk::Char(b'>')
                    });
                }
                b'/' => {
                    self.advance();
                    return Self::tok(if self.check_next1(b'/') {
                        Tk::IDiv
                    } else {
                        Tk::Char(b'/')
                    });
                }
                b'~' => {
                    self.advance();
                    return Self::tok(if self.check_next1(b'=') {
                        Tk::Ne
                    } else {
                        Tk::Char(b'~')
                    });
                }
                b':' => {
                    self.advance();
                    return Self::tok(if self.check_next1(b':') {
                        Tk::DbColon
                    } else {
                        Tk::Char(b':')
                    });
                }
                b'"' | b'\'' => {
                    let s = self.read_string(c)?;
                    return Ok(Token {
                        tk: Tk::Str,
                        sem: Sem::Str(s),
                    });
                }
                b'.' => {
                    self.save_and_next();
                    if self.check_next1(b'.') {
                        if self.check_next1(b'.') {
                            return Self::tok(Tk::Dots);
                        }
                        return Self::tok(Tk::Concat);
                    } else if !is_digit(self.current) {
                        return Self::tok(Tk::Char(b'.'));
                    }
                    return self.read_numeral();
                }
                b'0'..=b'9' => return self.read_numeral(),
                _ => {
                    if is_alpha(c) {
                        // identifier or reserved word: scan it in place
                        let start = self.pos - 1;
                        while is_alnum(self.current) {
                            self.advance();
                        }
                        let end = if self.current == EOZ {
                            self.pos
                        } else {
                            self.pos - 1
                        };
                        let word = self.src.get(start..end).unwrap_or(&[]);
                        self.buf.extend_from_slice(word);
                        if let Some(tk) = keyword(word) {
                            return Self::tok(tk);
                        }
                        let id = self.strings.intern(word);
                        return Ok(Token {
                            tk: Tk::Name,
                            sem: Sem::Str(id),
                        });
                    }
                    self.advance();
                    return Self::tok(Tk::Char(c as u8));
                }
            }
        }
    }
}

/// `luaO_utf8esc`: encodes `x` (at most 0x7FFFFFFF) in Lua's extended UTF-8 (up to 6 bytes),
/// for `\u{...}` escapes and `utf8.char`.
pub fn utf8_encode(x: u32, out: &mut Vec<u8>) {
    let mut x = x & 0x7FFF_FFFF;
    if x < 0x80 {
        out.push(x as u8);
        return;
    }
    let mut tail = [0u8; 6];
    let mut n = 0;
    let mut mfb: u32 = 0x3f; // largest value that fits in the first byte
    loop {
        tail[n] = 0x80 | (x & 0x3f) as u8;
        n += 1;
        x >>= 6;
        mfb >>= 1;
        if x <= mfb {
            break;
        }
    }
    out.push(((!mfb << 1) | x) as u8);
    for i in (0..n).rev() {
        out.push(tail[i]);
    }
}
