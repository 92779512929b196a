//! Build settings of the `bp` binary.

fn main() {
    // On Linux the binary is linked position-dependent (`-no-pie`): the loader then
    // applies no relocations at start (a PIE had 12,000: a quarter MiB of tables
    // written and another read at every start), and start-up touches fewer pages:
    // `bp run` of `print(1)` peaks at 14.4 MiB, not 17.0 (release build). The price is
    // that the binary's own address is not randomised.
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bin=bp=-no-pie");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
