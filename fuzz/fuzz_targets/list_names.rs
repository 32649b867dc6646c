#![no_main]
//! List and wordlist names (secmcp_fuzz::names).
libfuzzer_sys::fuzz_target!(|data: &[u8]| secmcp_fuzz::names::check(data));
