//! hydra's option table: every spelling the grammar knows with its value
//! kind, and every refused spelling with its reason. The grammar
//! (`grammar.rs`) enforces these rows and [`options`] documents them.
//!
//! Must not: parse values (the grammar does) or render argv.

use crate::call::FileKind;
use crate::lists;
use crate::tools::id::ToolId;
use crate::tools::options::{Join, OptionDoc, ToolOptions, Why};

/// An accepted option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Opt {
    Tasks,
    Wait,
    ConnectWait,
    Port,
    ExtraChecks,
    UserList,
    PasswordList,
    Combo,
    StopFirst,
    LoopUsers,
    Ssl,
    NoRedo,
    Quiet,
    /// `-I`: the server always passes it.
    IgnoreRestore,
}

/// The kind of an option's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// No value.
    Switch,
    /// Parallel tasks: 1 to `tools.hydra.max_tasks`.
    Tasks,
    /// Seconds from this to `tools.hydra.max_wait_secs`.
    Secs(u32),
    /// A port: 1-65535.
    Port,
    /// Letters of `nsr`, each once.
    Checks,
    /// A list file: an alias or a path under the credential roots.
    List,
}

/// One accepted option: its spellings, what it sets, its value kind.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Spec {
    pub names: &'static [&'static str],
    pub opt: Opt,
    pub kind: Kind,
    pub group: &'static str,
}

const ATTACK: &str = "attack";
const LISTS: &str = "lists";

const fn s(names: &'static [&'static str], opt: Opt, kind: Kind, group: &'static str) -> Spec {
    Spec {
        names,
        opt,
        kind,
        group,
    }
}

/// Every accepted option. A value is always the next argument.
pub(crate) const SPECS: &[Spec] = &[
    s(&["-t"], Opt::Tasks, Kind::Tasks, ATTACK),
    s(&["-w"], Opt::Wait, Kind::Secs(1), ATTACK),
    s(&["-W"], Opt::ConnectWait, Kind::Secs(0), ATTACK),
    s(&["-f", "-F"], Opt::StopFirst, Kind::Switch, ATTACK),
    s(&["-u"], Opt::LoopUsers, Kind::Switch, ATTACK),
    s(&["-e"], Opt::ExtraChecks, Kind::Checks, ATTACK),
    s(&["-S"], Opt::Ssl, Kind::Switch, ATTACK),
    s(&["-K"], Opt::NoRedo, Kind::Switch, ATTACK),
    s(&["-q"], Opt::Quiet, Kind::Switch, ATTACK),
    s(&["-s"], Opt::Port, Kind::Port, ATTACK),
    s(&["-L"], Opt::UserList, Kind::List, LISTS),
    s(&["-P"], Opt::PasswordList, Kind::List, LISTS),
    s(&["-C"], Opt::Combo, Kind::List, LISTS),
    s(
        &["-I"],
        Opt::IgnoreRestore,
        Kind::Switch,
        "ignored (always added)",
    ),
];

const SECRETS: Why = Why {
    family: "inline credentials",
    reason: "put user names and passwords in the usernames/passwords fields (the server writes them to private files): a password on the command line ends up in logs",
};
const WRITES: Why = Why {
    family: "output files",
    reason: "the server sets hydra's output file and format itself",
};

/// Refused options and why.
pub(crate) const REFUSED: &[(&str, Why)] = &[
    ("-l", SECRETS),
    ("-p", SECRETS),
    (
        "-M",
        Why {
            family: "target files",
            reason: "it reads targets from a file; the target comes only from the target field",
        },
    ),
    (
        "-T",
        Why {
            family: "target files",
            reason: "it only applies to -M target files, which are not accepted",
        },
    ),
    (
        "-R",
        Why {
            family: "restore",
            reason: "it restores a previous session from a file; every call starts fresh (-I)",
        },
    ),
    ("-o", WRITES),
    ("-b", WRITES),
    (
        "-x",
        Why {
            family: "generation",
            reason: "password generation is unbounded; give a password list instead",
        },
    ),
    (
        "-y",
        Why {
            family: "generation",
            reason: "it only applies to -x, which is not accepted",
        },
    ),
    (
        "-r",
        Why {
            family: "generation",
            reason: "it only applies to -x, which is not accepted",
        },
    ),
    (
        "-m",
        Why {
            family: "module options",
            reason: "module options come from the typed fields path, form and failure",
        },
    ),
    (
        "-4",
        Why {
            family: "address family",
            reason: "the target decides: give an IPv6 address and the server adds -6",
        },
    ),
    (
        "-6",
        Why {
            family: "address family",
            reason: "the target decides: give an IPv6 address and the server adds -6",
        },
    ),
    (
        "-v",
        Why {
            family: "verbose, debug",
            reason: "verbose modes print every tried password into the output",
        },
    ),
    (
        "-V",
        Why {
            family: "verbose, debug",
            reason: "verbose modes print every tried password into the output",
        },
    ),
    (
        "-d",
        Why {
            family: "verbose, debug",
            reason: "debug mode prints every tried password into the output",
        },
    ),
    (
        "-O",
        Why {
            family: "help, SSLv2",
            reason: "obsolete SSLv2/v3 is not available",
        },
    ),
    (
        "-U",
        Why {
            family: "help, SSLv2",
            reason: "module help is not an attack",
        },
    ),
    (
        "-h",
        Why {
            family: "help, SSLv2",
            reason: "help text is not an attack",
        },
    ),
];

/// The docs of hydra's options, from [`SPECS`] and [`REFUSED`].
pub(crate) fn options() -> ToolOptions {
    let mut o = ToolOptions::new(ToolId::Hydra);
    for spec in SPECS {
        let d = OptionDoc::new(spec.names.iter().copied());
        let d = match spec.kind {
            Kind::Switch => d,
            Kind::Tasks => d
                .value("N", Join::Separate, "2")
                .note("tasks, max tools.hydra.max_tasks"),
            Kind::Secs(min) => d
                .value("N", Join::Separate, "5")
                .note(format!("s, {min} to tools.hydra.max_wait_secs")),
            Kind::Port => d
                .value("PORT", Join::Separate, "2222")
                .note("as the port field"),
            Kind::Checks => d
                .value("nsr", Join::Separate, "ns")
                .note("n empty password, s login as password, r reversed"),
            Kind::List => d
                .value("NAME", Join::Separate, "lists/users.txt")
                .note(match spec.opt {
                    Opt::Combo => "login:password list",
                    _ => "as user_list/password_list",
                }),
        };
        o.add(spec.group, d);
    }
    for (name, why) in REFUSED {
        o.refuse(*why, *name);
    }
    let builtin: Vec<&str> = [FileKind::UserList, FileKind::PasswordList]
        .into_iter()
        .flat_map(lists::names_for)
        .collect();
    o.note(format!("Built-in lists: {}.", builtin.join(", ")));
    o.note(
        "Needs allow_intrusive. Write -t 4, never -t4. Always added: -I -o hydra.json -b json, -t (default tools.hydra.default_tasks).",
    );
    o
}
