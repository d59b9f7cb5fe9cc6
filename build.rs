//! Links the `telelua` binary with the functions listed in `src/bin/telelua.order` first and
//! together (made by `benches/callgrind/order.sh`: the functions that start-up and the
//! benchmark programs run). The kernel maps code 64 KB or more at a time around each page a
//! program first touches, so this is resident memory: ~1.1 MB less for every run of the CLI.
//! Also packs the binary's relative relocations (`-z pack-relative-relocs`, glibc 2.36 or
//! later): the dynamic loader reads 1 KB of them instead of 64 KB, ~0.1 MB less resident.
//! Only where the linker is LLD (rustc's default for x86_64 Linux since 1.90) and only for the
//! binary; `TELELUA_NO_LINK_ORDER=1` turns both off (a linker without the options, an older
//! C library).

fn main() {
    let order = "src/bin/telelua.order";
    println!("cargo:rerun-if-changed={order}");
    println!("cargo:rerun-if-env-changed=TELELUA_NO_LINK_ORDER");
    let target = std::env::var("TARGET").unwrap_or_default();
    let off = std::env::var_os("TELELUA_NO_LINK_ORDER").is_some_and(|v| v != "0");
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let path = std::path::Path::new(&dir).join(order);
    if target == "x86_64-unknown-linux-gnu" && !off && path.is_file() {
        let arg = "cargo:rustc-link-arg-bin=telelua";
        println!("{arg}=-Wl,--symbol-ordering-file={}", path.display());
        println!("{arg}=-Wl,--no-warn-symbol-ordering");
        println!("{arg}=-Wl,-z,pack-relative-relocs");
    }
}
