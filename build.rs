//! Links the `telelua` binary with the functions listed in `src/bin/telelua.order` first and
//! together (made by `benches/callgrind/order.sh`: the functions that start-up and the
//! benchmark programs run). The kernel maps code 64 KB or more at a time around each page a
//! program first touches, so this is resident memory: ~1.1 MB less for every run of the CLI.
//! Also packs the binary's relative relocations (`-z pack-relative-relocs`, glibc 2.36 or
//! later): the dynamic loader reads 1 KB of them instead of 64 KB, ~0.1 MB less resident.
//!
//! Only for the binary, and only where the options are known to work: x86_64 Linux with
//! rustc's own default linker, LLD (since 1.90), no other linker configured, and for the
//! packing a C library that knows packed relocations (else the binary would not start).
//! `TELELUA_NO_LINK_ORDER=1` turns both off.

use std::process::Command;

fn main() {
    let order = "src/bin/telelua.order";
    println!("cargo:rerun-if-changed={order}");
    println!("cargo:rerun-if-env-changed=TELELUA_NO_LINK_ORDER");
    println!("cargo:rerun-if-env-changed=CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER");
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let off = std::env::var_os("TELELUA_NO_LINK_ORDER").is_some_and(|v| v != "0");
    let path = std::path::Path::new(&var("CARGO_MANIFEST_DIR")).join(order);
    // (A linker of the user's choosing may not know the options: leave it alone.)
    let own_linker = !var("CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER").is_empty()
        || var("CARGO_ENCODED_RUSTFLAGS").contains("link");
    let lld_default = rustc_minor(&var("RUSTC")).is_some_and(|minor| minor >= 90);
    if var("TARGET") != "x86_64-unknown-linux-gnu" || off || own_linker || !lld_default {
        return;
    }
    let arg = "cargo:rustc-link-arg-bin=telelua";
    if path.is_file() {
        println!("{arg}=-Wl,--symbol-ordering-file={}", path.display());
        println!("{arg}=-Wl,--no-warn-symbol-ordering");
    }
    if glibc_minor().is_some_and(|minor| minor >= 36) {
        println!("{arg}=-Wl,-z,pack-relative-relocs");
    }
}

/// The minor version of `rustc` (`rustc 1.95.0 (...)` gives 95).
fn rustc_minor(rustc: &str) -> Option<u32> {
    let rustc = if rustc.is_empty() { "rustc" } else { rustc };
    minor_version(rustc, "--version", "1")
}

/// The minor version of the build machine's glibc (`glibc 2.36` gives 36), the one the
/// binary runs with when built where it runs.
fn glibc_minor() -> Option<u32> {
    minor_version("getconf", "GNU_LIBC_VERSION", "2")
}

/// The minor version in what `program arg` prints as `NAME MAJOR.MINOR...`, if the major
/// version is `major`.
fn minor_version(program: &str, arg: &str, major: &str) -> Option<u32> {
    let out = Command::new(program).arg(arg).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let version = text.split_whitespace().nth(1)?;
    let mut parts = version.split('.');
    (parts.next()? == major).then_some(())?;
    parts.next()?.parse().ok()
}
