//! Compiler tests: lexer, parser errors (compared with `lua5.4`), code generation
//! (disassembly), debug info, and property tests (no panics; everything verifies).

mod scratch {
    #[test]
    fn scratch_dump() {
        let src = std::fs::read("/tmp/d.lua").unwrap();
        match super::super::compile(&src, b"@/tmp/d.lua") {
            Ok(p) => {
                println!("{}", super::super::dump(&p));
                println!("{:?}", super::super::verify(&p));
            }
            Err(e) => println!("ERR {}", e),
        }
    }
}
