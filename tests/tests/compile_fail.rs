//! Mistakes that must not compile, each with a message that says what to do, and programs that
//! must compile. The `.stderr` files are checked with the toolchain pinned in
//! `rust-toolchain.toml`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/*/fail/*.rs");
    t.pass("ui/*/pass/*.rs");
}
