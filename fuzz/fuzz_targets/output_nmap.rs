#![no_main]
//! nmap's output parser (secmcp_fuzz::output).
libfuzzer_sys::fuzz_target!(|data: &[u8]| secmcp_fuzz::output::check(
    secmcp_fuzz::output::Parser::Nmap,
    data
));
