//! Code generation: small programs compiled and their key instruction choices checked.

use crate::compiler::opcodes::Op;
use crate::compiler::{compile, verify, Constant, Proto};

#[track_caller]
fn proto(src: &str) -> Proto {
    let p = compile(src.as_bytes(), b"=t").unwrap_or_else(|e| panic!("{e}"));
    verify(&p).unwrap_or_else(|e| panic!("{e}\n{}", crate::compiler::dump(&p)));
    p
}

/// Instructions of a function as "NAME a b c" strings.
fn listing(p: &Proto) -> Vec<String> {
    p.code
        .iter()
        .map(|op| {
            let mut s = op.name().to_ascii_uppercase();
            for (_, v) in op.operands() {
                s.push_str(&format!(" {v}"));
            }
            s
        })
        .collect()
}

#[track_caller]
fn code(src: &str) -> Vec<String> {
    listing(&proto(src))
}

#[track_caller]
fn assert_code(src: &str, expected: &[&str]) {
    let got = code(src);
    assert_eq!(
        got,
        expected,
        "\nsource: {src}\n{}",
        crate::compiler::dump(&proto(src))
    );
}

fn has(code: &[String], prefix: &str) -> bool {
    code.iter()
        .any(|s| s == prefix || s.starts_with(&format!("{prefix} ")))
}

#[test]
fn main_function_shape() {
    let p = proto("return");
    assert!(p.is_vararg);
    assert_eq!(p.num_params, 0);
    assert_eq!(p.upvalues.len(), 1);
    assert_eq!(&*p.upvalues[0].name, b"_ENV");
    assert!(p.upvalues[0].in_stack);
    assert_eq!(p.upvalues[0].index, 0);
    assert_eq!(listing(&p), ["RETURN0", "RETURN0"]);
}

#[test]
fn locals_and_constants() {
    assert_code(
        "local a = 1; local b = a + 1",
        &["LOADI 0 1", "ADDI 1 0 1", "RETURN0"],
    );
    assert_code("local a; local b", &["LOADNIL 0 1", "RETURN0"]);
    assert_code(
        "local a, b = 1.5, 2.0",
        &["LOADK 0 0", "LOADF 1 2", "RETURN0"],
    );
    assert_code("local a = 100000", &["LOADK 0 0", "RETURN0"]);
    assert_code(
        "local a, b = true, false",
        &["LOADTRUE 0", "LOADFALSE 1", "RETURN0"],
    );
}

#[test]
fn table_access_forms() {
    assert_code(
        "local t = {} t.x = 1 t[1] = 2 t[k] = 's' t.y = t.x",
        &[
            "NEWTABLE 0 0",
            "EXTRAARG 0",
            "SETFIELDK 0 0 1",
            "SETIK 0 1 2",
            "GETTABUP 1 0 3",
            "SETTABLEK 0 1 4",
            "GETFIELD 1 0 0",
            "SETFIELD 0 5 1",
            "RETURN0",
        ],
    );
    assert_code("x = 1", &["SETTABUPK 0 0 1", "RETURN0"]);
    assert_code("x = y", &["GETTABUP 0 0 1", "SETTABUP 0 0 0", "RETURN0"]);
    assert_code(
        "local t; return t[300]",
        &[
            "LOADNIL 0 0",
            "LOADI 1 300",
            "GETTABLE 1 0 1",
            "RETURN1 1",
            "RETURN0",
        ],
    );
}

#[test]
fn constant_folding() {
    assert_code(
        "local a <const> = 10; return a * 2 + 1",
        &["LOADI 0 21", "RETURN1 0", "RETURN0"],
    );
    assert_code("return 2^-3", &["LOADK 0 0", "RETURN1 0", "RETURN0"]);
    assert_eq!(proto("return 2^-3").constants[0], Constant::Float(0.125));
    // never folded: raises an error, produces -0.0 or NaN
    assert_code(
        "return 1 // 0",
        &["LOADI 0 1", "IDIVK 0 0 0", "RETURN1 0", "RETURN0"],
    );
    assert_code(
        "return 1 % 0",
        &["LOADI 0 1", "MODK 0 0 0", "RETURN1 0", "RETURN0"],
    );
    assert_code(
        "return 0.0 * -1",
        &["LOADF 0 0", "MULK 0 0 0", "RETURN1 0", "RETURN0"],
    );
    assert_code(
        "return 0/0",
        &["LOADI 0 0", "DIVK 0 0 0", "RETURN1 0", "RETURN0"],
    );
    assert_code(
        "return 1.5 | 1",
        &["LOADK 0 1", "BORK 0 0 0", "RETURN1 0", "RETURN0"],
    );
    assert_code(
        "return 3 | 4, ~0, 1 << 62, -(-9223372036854775807 - 1)",
        &[
            "LOADI 0 7",
            "LOADI 1 -1",
            "LOADK 2 0",
            "LOADK 3 1",
            "RETURN 0 5",
            "RETURN0",
        ],
    );
    assert_eq!(
        proto("return -(-9223372036854775807 - 1)").constants[0],
        Constant::Int(i64::MIN)
    );
    // a <const> string is folded into uses too
    assert_code(
        "local s <const> = 'x'; return s",
        &["LOADK 0 0", "RETURN1 0", "RETURN0"],
    );
}

#[test]
fn precedence_and_associativity() {
    // -x^2 is -(x^2); 2^3^2 is 2^(3^2); unary binds tighter than '..' and comparisons
    assert_code(
        "local x; return -x^2",
        &[
            "LOADNIL 0 0",
            "POWK 1 0 0",
            "UNM 1 1",
            "RETURN1 1",
            "RETURN0",
        ],
    );
    assert_eq!(proto("return 2^3^2").code[0], Op::LoadF { a: 0, sbx: 512 });
    assert_eq!(
        proto("return 1 + 2 * 3 - 4 // 3").code[0],
        Op::LoadI { a: 0, sbx: 6 }
    );
    assert_eq!(
        proto("return 7 // 2 * 2 % 5").code[0],
        Op::LoadI { a: 0, sbx: 1 }
    );
    assert_eq!(
        proto("return 1 | 6 & 3 ~ 1 << 1").code[0],
        Op::LoadI {
            a: 0,
            sbx: 1 | (6 & (3 ^ (1 << 1)))
        }
    );
}

#[test]
fn no_operand_flips() {
    // the opcode must say exactly what the source said: metamethods get operands in order
    assert_code(
        "local x; return 1 + x",
        &[
            "LOADNIL 0 0",
            "LOADI 1 1",
            "ADD 1 1 0",
            "RETURN1 1",
            "RETURN0",
        ],
    );
    assert_code(
        "local x; return x - 1",
        &["LOADNIL 0 0", "SUBK 1 0 0", "RETURN1 1", "RETURN0"],
    );
    assert_code(
        "local x; return x << 1",
        &[
            "LOADNIL 0 0",
            "LOADI 1 1",
            "SHL 1 0 1",
            "RETURN1 1",
            "RETURN0",
        ],
    );
    assert_code(
        "local x; return 1 << x",
        &["LOADNIL 0 0", "SHLI 1 0 1", "RETURN1 1", "RETURN0"],
    );
    assert_code(
        "local x; return x >> 1, x & 3",
        &[
            "LOADNIL 0 0",
            "SHRI 1 0 1",
            "BANDK 2 0 0",
            "RETURN 1 3",
            "RETURN0",
        ],
    );
    assert_code(
        "local x; return 2 * x",
        &[
            "LOADNIL 0 0",
            "LOADI 1 2",
            "MUL 1 1 0",
            "RETURN1 1",
            "RETURN0",
        ],
    );
}

#[test]
fn comparisons() {
    let c = code("local a; if a == 1 then end if a == 's' then end if a < 3 then end if 3 < a then end if a >= 2.0 then end if a ~= nil then end");
    // (an 'if' jumps over its block when the condition is false: k is negated)
    assert!(has(&c, "EQI 0 1 0"), "{c:?}");
    assert!(has(&c, "EQK 0 0 0"), "{c:?}");
    assert!(has(&c, "LTI 0 3 0"), "{c:?}");
    assert!(has(&c, "GTI 0 3 0"), "{c:?}");
    assert!(has(&c, "GEI 0 2 2"), "{c:?}"); // float immediate: flags bit 1
    assert!(has(&c, "EQK 0 1 1"), "{c:?}"); // ~= nil
    assert_code(
        "local a, b; return a < b",
        &[
            "LOADNIL 0 1",
            "LT 0 1 1",
            "JMP 1",
            "LFALSESKIP 2",
            "LOADTRUE 2",
            "RETURN1 2",
            "RETURN0",
        ],
    );
    // a > b is b < a
    assert!(has(&code("local a, b; return a > b"), "LT 1 0 1"));
}

#[test]
fn logical_operators() {
    assert_code(
        "local a, b, c; local x = a and b or c",
        &[
            "LOADNIL 0 2",
            "TEST 0 0",
            "JMP 2",
            "TESTSET 3 1 1",
            "JMP 1",
            "MOVE 3 2",
            "RETURN0",
        ],
    );
    assert_code(
        "local a; local x = not a",
        &["LOADNIL 0 0", "NOT 1 0", "RETURN0"],
    );
    assert_code(
        "local a, b; if not a then b = 1 end",
        &["LOADNIL 0 1", "TEST 0 1", "JMP 1", "LOADI 1 1", "RETURN0"],
    );
    assert_code(
        "return not nil, not 1",
        &["LOADTRUE 0", "LOADFALSE 1", "RETURN 0 3", "RETURN0"],
    );
}

#[test]
fn concatenation_is_merged() {
    assert_code(
        "local a, b, c; return a .. b .. c",
        &[
            "LOADNIL 0 2",
            "MOVE 3 0",
            "MOVE 4 1",
            "MOVE 5 2",
            "CONCAT 3 3",
            "RETURN1 3",
            "RETURN0",
        ],
    );
}

#[test]
fn calls() {
    assert_code(
        "f(1, 2)",
        &[
            "GETTABUP 0 0 0",
            "LOADI 1 1",
            "LOADI 2 2",
            "CALL 0 3 1",
            "RETURN0",
        ],
    );
    assert_code(
        "return f(x)",
        &[
            "GETTABUP 0 0 0",
            "GETTABUP 1 0 1",
            "TAILCALL 0 2",
            "RETURN 0 0",
            "RETURN0",
        ],
    );
    assert_code(
        "local o; o:m(1)",
        &[
            "LOADNIL 0 0",
            "SELFK 1 0 0",
            "LOADI 3 1",
            "CALL 1 3 1",
            "RETURN0",
        ],
    );
    assert_code(
        "f'x' f{}",
        &[
            "GETTABUP 0 0 0",
            "LOADK 1 1",
            "CALL 0 2 1",
            "GETTABUP 0 0 0",
            "NEWTABLE 1 0",
            "EXTRAARG 0",
            "CALL 0 2 1",
            "RETURN0",
        ],
    );
    assert_code(
        "f(g())",
        &[
            "GETTABUP 0 0 0",
            "GETTABUP 1 0 1",
            "CALL 1 1 0",
            "CALL 0 0 1",
            "RETURN0",
        ],
    );
    assert_code(
        "local a, b = f()",
        &["GETTABUP 0 0 0", "CALL 0 1 3", "RETURN0"],
    );
}

#[test]
fn varargs() {
    assert_code("local a, b = ...", &["VARARG 0 3", "RETURN0"]);
    assert_code("return ...", &["VARARG 0 0", "RETURN 0 0", "RETURN0"]);
    assert_code(
        "local t = {...}",
        &[
            "NEWTABLE 0 0",
            "EXTRAARG 0",
            "VARARG 1 0",
            "SETLIST 0 0",
            "EXTRAARG 0",
            "RETURN0",
        ],
    );
    let p = proto("local function f(a, ...) return select('#', ...) end");
    assert!(p.protos[0].is_vararg);
    assert_eq!(p.protos[0].num_params, 1);
}

#[test]
fn table_constructors() {
    assert_code(
        "local t = {1, 2, x = 3, [4] = 5, f()}",
        &[
            "NEWTABLE 0 2",
            "EXTRAARG 2",
            "LOADI 1 1",
            "LOADI 2 2",
            "SETFIELDK 0 0 1",
            "SETIK 0 4 2",
            "GETTABUP 3 0 3",
            "CALL 3 1 0",
            "SETLIST 0 0",
            "EXTRAARG 0",
            "RETURN0",
        ],
    );
    let items: Vec<String> = (1..=60).map(|i| i.to_string()).collect();
    let c = code(&format!("local t = {{{}}}", items.join(",")));
    assert_eq!(c[0..2], ["NEWTABLE 0 0", "EXTRAARG 60"]);
    assert!(
        c.windows(2).any(|w| w == ["SETLIST 0 50", "EXTRAARG 0"]),
        "{c:?}"
    );
    assert!(
        c.windows(2).any(|w| w == ["SETLIST 0 10", "EXTRAARG 50"]),
        "{c:?}"
    );
}

#[test]
fn loops() {
    assert_code(
        "for i = 1, 10 do end",
        &[
            "LOADI 0 1",
            "LOADI 1 10",
            "LOADI 2 1",
            "FORPREP 0 0",
            "FORLOOP 0 1",
            "RETURN0",
        ],
    );
    assert_code(
        "for k, v in pairs(t) do end",
        &[
            "GETTABUP 0 0 0",
            "GETTABUP 1 0 1",
            "CALL 0 2 5",
            "TFORPREP 0 0",
            "TFORCALL 0 2",
            "TFORLOOP 0 2",
            "CLOSE 0",
            "RETURN 0 1", // the closing value makes the function need Return
        ],
    );
    let p = proto("for i = 1, 3 do local x = i; f(function() return x end) end");
    let c = listing(&p);
    assert!(has(&c, "CLOSE 4"), "{c:?}");
    assert!(p.protos[0].upvalues[0].in_stack);
    // while with break; repeat-until sees the body's locals
    assert_code(
        "while x do break end",
        &[
            "GETTABUP 0 0 0",
            "TEST 0 0",
            "JMP 2",
            "JMP 1",
            "JMP -5",
            "RETURN0",
        ],
    );
    assert_code(
        "repeat local y until y",
        &["LOADNIL 0 0", "TEST 0 0", "JMP -3", "RETURN0"],
    );
    assert_code(
        "repeat local y; f(function() return y end) until y",
        &[
            "LOADNIL 0 0",
            "GETTABUP 1 0 0",
            "CLOSURE 2 0",
            "CALL 1 2 1",
            "TEST 0 0",
            "JMP 2",
            "CLOSE 0", // leaving the loop: close y
            "JMP 2",
            "CLOSE 0", // repeating: close this iteration's y
            "JMP -10",
            "RETURN 0 1",
        ],
    );
}

#[test]
fn to_be_closed_and_returns() {
    // a function with a to-be-closed variable: Tbc, no tail call, no Return0/Return1
    let p = proto("local function f() local x <close> = g(); return h() end");
    let c = listing(&p.protos[0]);
    assert!(has(&c, "TBC 0"), "{c:?}");
    assert!(has(&c, "CALL 1 1 0"), "{c:?}");
    assert!(
        !c.iter().any(|s| s.starts_with("TAILCALL")
            || s.starts_with("RETURN0")
            || s.starts_with("RETURN1")),
        "{c:?}"
    );
    let p = proto("local function f() local x <close> = g(); return 1 end");
    assert!(!listing(&p.protos[0])
        .iter()
        .any(|s| s.starts_with("RETURN0") || s.starts_with("RETURN1")));
    // captured locals also need Return
    let p = proto("local function f() local x; return function() return x end end");
    assert!(!listing(&p.protos[0])
        .iter()
        .any(|s| s.starts_with("RETURN0") || s.starts_with("RETURN1")));
    // the generic for's fourth control variable is to be closed: no tail call inside it
    let p = proto("local function f() for k in pairs(t) do return g() end end");
    assert!(!listing(&p.protos[0])
        .iter()
        .any(|s| s.starts_with("TAILCALL")));
}

#[test]
fn multiple_assignment_order_and_conflicts() {
    assert_code(
        "local a, b = 1, 2; a, b = b, a",
        &[
            "LOADI 0 1",
            "LOADI 1 2",
            "MOVE 2 1",
            "MOVE 1 0",
            "MOVE 0 2",
            "RETURN0",
        ],
    );
    // stores go right to left: t[i] is stored before i changes
    assert_code(
        "local t, i; i, t[i] = 1, 2",
        &[
            "LOADNIL 0 1",
            "LOADI 2 1",
            "SETTABLEK 0 1 0",
            "MOVE 1 2",
            "RETURN0",
        ],
    );
    // t[i] is stored after i changed: the old i is saved first (check_conflict)
    assert_code(
        "local t, i; t[i], i = 1, 2",
        &[
            "LOADNIL 0 1",
            "MOVE 2 1",
            "LOADI 3 1",
            "LOADI 1 2",
            "SETTABLE 0 2 3",
            "RETURN0",
        ],
    );
    assert_code(
        "local t; t.x, t = 1, 2",
        &[
            "LOADNIL 0 0",
            "MOVE 1 0",
            "LOADI 2 1",
            "LOADI 0 2",
            "SETFIELD 1 0 2",
            "RETURN0",
        ],
    );
}

#[test]
fn functions_and_upvalues() {
    let p = proto("local function f(n) if n > 0 then return f(n - 1) end end");
    let f = &p.protos[0];
    assert_eq!(f.upvalues.len(), 1);
    assert_eq!(&*f.upvalues[0].name, b"f");
    assert!(f.upvalues[0].in_stack);
    assert_eq!(f.line_defined, 1);
    let p = proto("function a.b.c:m(x) return self end");
    assert_eq!(p.protos[0].num_params, 2);
    assert_eq!(&*p.protos[0].locals[0].name, b"self");
    let c = listing(&p);
    assert!(has(&c, "SETFIELD"), "{c:?}");
    // an upvalue of an upvalue
    let p = proto("local x; return function() return function() return x end end");
    let inner = &p.protos[0].protos[0];
    assert!(!inner.upvalues[0].in_stack);
    assert_eq!(inner.upvalues[0].index, 0);
}

#[test]
fn gotos() {
    assert_code("goto l; ::l::", &["JMP 0", "RETURN0"]);
    assert_code("::top:: goto top", &["JMP -1", "RETURN0"]);
    // a backward goto out of a block with a captured local closes it
    let c = code("::top:: do local x; f(function() return x end); goto top end");
    assert!(has(&c, "CLOSE 0"), "{c:?}");
    // continue-like label at the end of a loop body
    proto("for i = 1, 3 do if i == 2 then goto continue end local y = i ::continue:: end");
}

#[test]
fn many_constants() {
    // constant indices beyond 8 bits fall back to registers; beyond 16 bits, LoadKX
    let items: Vec<String> = (0..70_000).map(|i| format!("{i}.5")).collect();
    let src = format!(
        "local t = {{{}}} return t == 69999.5, t.x, t:m(), g",
        items.join(",")
    );
    let p = proto(&src);
    assert!(p.code.iter().any(|op| matches!(op, Op::LoadKX { .. })));
    let c = listing(&p);
    let tail = &c[c.len() - 20..];
    assert!(has(&c, "EQ 0 1 1"), "{tail:?}");
    assert!(has(&c, "GETTABLE"), "{tail:?}");
    // a method whose name has a large constant index: Move + GetTable instead of SelfK
    assert!(!has(&c, "SELFK"), "{tail:?}");
    assert!(
        tail.windows(3).any(|w| w[0].starts_with("MOVE")
            && w[1].starts_with("LOADKX")
            && w[2].starts_with("EXTRAARG")),
        "{tail:?}"
    );
    // a global with a large constant index: _ENV goes to a register
    assert!(has(tail, "GETUPVAL"), "{tail:?}");
    let call = p
        .code
        .iter()
        .rposition(|op| matches!(op, Op::Call { .. }))
        .unwrap_or(0);
    assert_eq!(p.describe_call(call).map(|(k, _)| k), Some("field"));
}

#[test]
fn line_information() {
    let p = proto("local a = 1\nlocal b = 2\r\nlocal c = 3\n\rlocal d = 4\r\rlocal e = 5");
    assert_eq!(&p.lines[..5], &[1, 2, 3, 4, 6]);
    let p = proto("local x = [[\nline]]\nlocal y = 'a\\\nb'\nlocal z");
    assert_eq!(&p.lines[..3], &[2, 4, 5]); // the line where the previous token ended, as luac
}

#[test]
fn disassembly_format() {
    let p = proto("local t = {x = 1}\nfunction f(a) return t.x + a end");
    let expected = "
main <t:0,0> (6 instructions)
0+ params, 2 slots, 1 upvalue, 1 local, 3 constants, 1 function
\t1\t[1]\tNEWTABLE \t0 1\t; hash 1, array 0
\t2\t[1]\tEXTRAARG \t0
\t3\t[1]\tSETFIELDK\t0 0 1\t; \"x\" 1
\t4\t[2]\tCLOSURE  \t1 0\t; function 0
\t5\t[2]\tSETTABUP \t0 2 1\t; _ENV \"f\"
\t6\t[2]\tRETURN   \t0 1\t; 0 out
constants (3):
\t0\tS\t\"x\"
\t1\tI\t1
\t2\tS\t\"f\"
locals (1):
\t0\tt\t4\t7
upvalues (1):
\t0\t_ENV\t1\t0

function 0 <t:2,2> (4 instructions)
1 param, 2 slots, 1 upvalue, 1 local, 1 constant, 0 functions
\t1\t[2]\tGETTABUP \t1 0 0\t; t \"x\"
\t2\t[2]\tADD      \t1 1 0
\t3\t[2]\tRETURN1  \t1\t; 1 out
\t4\t[2]\tRETURN0  \t\t; 0 out
constants (1):
\t0\tS\t\"x\"
locals (1):
\t0\ta\t1\t5
upvalues (1):
\t0\tt\t1\t0
";
    assert_eq!(crate::compiler::dump(&p), expected);
}
