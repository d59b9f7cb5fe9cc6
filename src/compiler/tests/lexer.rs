//! The lexer, through the compiler: numerals, string escapes, long brackets, comments.

use crate::compiler::opcodes::Op;
use crate::compiler::{compile, Constant};

/// The value of the single literal in `return <lit>`.
#[track_caller]
fn literal(lit: &str) -> Constant {
    let p =
        compile(format!("return {lit}").as_bytes(), b"=t").unwrap_or_else(|e| panic!("{lit}: {e}"));
    match p.code[0] {
        Op::LoadI { sbx, .. } => Constant::Int(sbx as i64),
        Op::LoadF { sbx, .. } => Constant::Float(sbx as f64),
        Op::LoadK { bx, .. } => p.constants[bx as usize].clone(),
        op => panic!("{lit}: {op:?}"),
    }
}

#[track_caller]
fn string(lit: &str) -> Vec<u8> {
    match literal(lit) {
        Constant::Str(s) => s.to_vec(),
        k => panic!("{lit}: {k:?}"),
    }
}

#[track_caller]
fn error(src: &str) -> String {
    compile(src.as_bytes(), b"=t")
        .err()
        .unwrap_or_else(|| panic!("{src} compiled"))
        .message
}

#[test]
fn numerals() {
    use Constant::*;
    assert_eq!(literal("3"), Int(3));
    assert_eq!(literal("345678"), Int(345678));
    assert_eq!(literal("0xff"), Int(255));
    assert_eq!(literal("0XA"), Int(10));
    assert_eq!(literal("3.0"), Float(3.0));
    assert_eq!(literal("3.1416"), Float(3.1416));
    assert_eq!(literal("314.16e-2"), Float(3.1416));
    assert_eq!(literal("0.31416E1"), Float(3.1416));
    assert_eq!(literal("34e1"), Float(340.0));
    assert_eq!(literal("0x0.1E"), Float(0.1171875));
    assert_eq!(literal("0xA23p-4"), Float(162.1875));
    assert_eq!(literal("0X1.921FB54442D18P+1"), Float(std::f64::consts::PI));
    assert_eq!(literal("0x.8p1"), Float(1.0));
    assert_eq!(literal(".5"), Float(0.5));
    assert_eq!(literal("5."), Float(5.0));
    // decimal integers that overflow become floats; hexadecimal ones wrap around
    assert_eq!(literal("9223372036854775807"), Int(i64::MAX));
    assert_eq!(literal("9223372036854775808"), Float(9223372036854775808.0));
    assert_eq!(literal("0xffffffffffffffff"), Int(-1));
    assert_eq!(literal("0x10000000000000001"), Int(1));
    assert_eq!(literal("1e500"), Float(f64::INFINITY));
    assert_eq!(error("x = 3x"), "t:1: malformed number near '3x'");
    assert_eq!(error("x = 0x"), "t:1: malformed number near '0x'");
    assert_eq!(error("x = 1e+"), "t:1: malformed number near '1e+'");
    assert_eq!(error("x = 1.2.3"), "t:1: malformed number near '1.2.3'");
    assert_eq!(error("x = 0xep-"), "t:1: malformed number near '0xep-'");
    // '3-4' and '0xe+1' are not single numerals
    assert!(compile(b"return 3-4, 0xe+1", b"=t").is_ok());
}

#[test]
fn escapes() {
    assert_eq!(
        string(r#""\a\b\f\n\r\t\v\\\"\'""#),
        b"\x07\x08\x0c\n\r\t\x0b\\\"'"
    );
    assert_eq!(string(r#"'\x41\x6a'"#), b"Aj");
    assert_eq!(string(r#"'\65\066\0677\0'"#), b"AB\x437\0");
    assert_eq!(
        string(r#"'\u{41}\u{e9}\u{20AC}\u{10FFFF}'"#),
        "Aé€\u{10FFFF}".as_bytes()
    );
    assert_eq!(
        string(r#"'\u{7FFFFFFF}'"#),
        [0xFD, 0xBF, 0xBF, 0xBF, 0xBF, 0xBF]
    );
    assert_eq!(string(r#"'\u{0000000041}'"#), b"A");
    assert_eq!(string("'a\\z  \n\t  b'"), b"ab");
    assert_eq!(string("'a\\\nb'"), b"a\nb");
    assert_eq!(string("'a\\\r\nb'"), b"a\nb");
    assert_eq!(string("'a\\\n\rb'"), b"a\nb");
    assert_eq!(
        error(r"x = '\q'"),
        r"t:1: invalid escape sequence near ''\q'"
    );
    assert_eq!(
        error(r"x = '\300'"),
        r"t:1: decimal escape too large near ''\300''"
    );
    assert_eq!(
        error(r"x = '\xZZ'"),
        r"t:1: hexadecimal digit expected near ''\xZ'"
    );
    assert_eq!(
        error(r"x = '\u{80000000}'"),
        r"t:1: UTF-8 value too large near ''\u{80000000'"
    );
    assert_eq!(error(r"x = '\u41'"), r"t:1: missing '{' near ''\u4'");
    assert_eq!(error(r"x = '\u{41'"), r"t:1: missing '}' near ''\u{41''");
    assert_eq!(
        error("x = 'abc\ndef'"),
        "t:1: unfinished string near ''abc'"
    );
    assert_eq!(error("x = 'abc"), "t:1: unfinished string near <eof>");
    assert_eq!(error("x = 'abc\\"), "t:1: unfinished string near <eof>");
}

#[test]
fn long_brackets() {
    assert_eq!(string("[[abc]]"), b"abc");
    assert_eq!(string("[[\nabc]]"), b"abc"); // the first newline is skipped
    assert_eq!(string("[[\r\nabc\r\n]]"), b"abc\n");
    assert_eq!(string("[==[a]]b]=]c]==]"), b"a]]b]=]c");
    assert_eq!(string("[=[\n\n]=]"), b"\n");
    assert_eq!(string("[[a\\nb]]"), b"a\\nb"); // no escapes
    assert_eq!(
        error("x = [==[ abc ]=]"),
        "t:1: unfinished long string (starting at line 1) near <eof>"
    );
    assert_eq!(
        error("x = [=\n"),
        "t:1: invalid long string delimiter near '[='"
    );
    assert_eq!(
        error("--[[ x\n\n"),
        "t:3: unfinished long comment (starting at line 1) near <eof>"
    );
    // comments
    let p = compile(
        b"--[==[ long\ncomment ]==] return --[[x]] 1 -- short",
        b"=t",
    )
    .unwrap();
    assert_eq!(p.code[0], Op::LoadI { a: 0, sbx: 1 });
    assert_eq!(p.lines[0], 2);
}

#[test]
fn tokens_and_names() {
    let p = compile(
        b"local _x1, y_ = a//b, c~=d return _x1, y_ >> 1 << 2 :: ok ::",
        b"=t",
    );
    assert!(p.is_err()); // '::' after an expression: not a statement start
    assert!(compile(b"goto x ::x:: local a = 1 // 2 .. 3 ... ", b"=t").is_err());
    assert!(compile(b"local function f(...) return ... end", b"=t").is_ok());
    assert_eq!(error("x = @"), "t:1: unexpected symbol near '@'");
    assert_eq!(error("x = \x01"), "t:1: unexpected symbol near '<\\1>'");
    assert_eq!(error("x = \"a\\0b\" y"), "t:1: syntax error near <eof>");
    assert_eq!(error("f(\"a\\0b\" y)"), "t:1: ')' expected near 'y'");
    // a string with a zero byte is quoted up to it, as C's "%s" does
    assert_eq!(
        error("x = 1 \"a\\0b\""),
        "t:1: unexpected symbol near '\"a'"
    );
}

#[test]
fn first_line_and_binary_chunks() {
    use crate::compiler::file_source;
    let p = compile(&file_source(b"#!/usr/bin/env lua\nreturn 1"), b"=t").unwrap();
    assert_eq!(p.lines[0], 2);
    assert!(compile(&file_source(b"# only a comment"), b"=t").is_ok());
    assert!(compile(b"# only a comment", b"=t").is_err());
    assert!(compile(&file_source(b"\xEF\xBB\xBFreturn 1"), b"=t").is_ok());
    assert_eq!(
        compile(b"\x1bLua\x54\x00", b"=t").unwrap_err().message,
        "attempt to load a binary chunk (mode is 't')"
    );
}
