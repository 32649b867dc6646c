#![no_main]
//! The gobuster and sqlmap URL parsers (secmcp_fuzz::urls).
libfuzzer_sys::fuzz_target!(|data: &[u8]| secmcp_fuzz::urls::check(data));
