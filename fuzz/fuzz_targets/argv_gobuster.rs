#![no_main]
//! A whole gobuster call to its argv (secmcp_fuzz::argv).
libfuzzer_sys::fuzz_target!(|data: &[u8]| secmcp_fuzz::argv::check(
    secmcp_policy::ToolId::Gobuster,
    data
));
