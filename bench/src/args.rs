//! A tiny argument parser: `<command> [--key value | --key=value]…`.

use std::collections::BTreeMap;
use std::str::FromStr;

use anyhow::{Context, bail};

/// The command and its options, consumed by `take*` and checked for leftovers by `finish`.
#[derive(Debug)]
pub(crate) struct Args {
    /// The first argument (`help` when none, or for `-h`/`--help`).
    pub(crate) command: String,
    options: BTreeMap<String, String>,
}

impl Args {
    /// Splits the arguments after the program name.
    pub(crate) fn parse(args: impl IntoIterator<Item = String>) -> anyhow::Result<Self> {
        let mut args = args.into_iter();
        let command = match args.next() {
            None => "help".to_owned(),
            Some(c) if c == "-h" || c == "--help" => "help".to_owned(),
            Some(c) => c,
        };
        let mut options = BTreeMap::new();
        while let Some(arg) = args.next() {
            if arg == "-h" || arg == "--help" {
                return Ok(Args {
                    command: "help".to_owned(),
                    options: BTreeMap::new(),
                });
            }
            let Some(key) = arg.strip_prefix("--") else {
                bail!("unexpected argument `{arg}` (options look like --key value)");
            };
            let (key, value) = match key.split_once('=') {
                Some((k, v)) => (k.to_owned(), v.to_owned()),
                None => {
                    let value = args
                        .next()
                        .with_context(|| format!("--{key} needs a value"))?;
                    (key.to_owned(), value)
                }
            };
            if options.insert(key.clone(), value).is_some() {
                bail!("--{key} given twice");
            }
        }
        Ok(Args { command, options })
    }

    /// Takes an option's value.
    pub(crate) fn take(&mut self, key: &str) -> Option<String> {
        self.options.remove(key)
    }

    /// Takes and parses an option, or returns the default.
    pub(crate) fn take_parsed<T: FromStr>(&mut self, key: &str, default: T) -> anyhow::Result<T>
    where
        T::Err: std::fmt::Display,
    {
        match self.take(key) {
            None => Ok(default),
            Some(v) => v
                .parse()
                .map_err(|e| anyhow::anyhow!("--{key}: `{v}` is not valid: {e}")),
        }
    }

    /// Takes a comma-separated list, or the default list.
    pub(crate) fn take_list(&mut self, key: &str, default: &str) -> Vec<String> {
        let value = self.take(key).unwrap_or_else(|| default.to_owned());
        value
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// Fails on options no one took.
    pub(crate) fn finish(self) -> anyhow::Result<()> {
        match self.options.keys().next() {
            Some(key) => bail!("unknown option --{key} for `{}`", self.command),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parse(line: &str) -> anyhow::Result<Args> {
        Args::parse(line.split_whitespace().map(str::to_owned))
    }

    #[test]
    fn reads_both_option_forms_and_lists() {
        let mut args = parse("fanout --readers 10,50 --rate=200").unwrap();
        assert_eq!(args.command, "fanout");
        assert_eq!(args.take_list("readers", "1"), ["10", "50"]);
        assert_eq!(args.take_parsed("rate", 100u32).unwrap(), 200);
        assert_eq!(args.take_parsed("seconds", 10.0f64).unwrap(), 10.0);
        assert_eq!(args.take_list("targets", "synq,floor"), ["synq", "floor"]);
        args.finish().unwrap();
    }

    #[test]
    fn refuses_leftovers_bad_values_and_missing_values() {
        assert!(parse("fanout --bogus 1").unwrap().finish().is_err());
        assert!(parse("fanout --rate").is_err());
        assert!(parse("fanout stray").is_err());
        assert!(parse("fanout --rate 1 --rate 2").is_err());
        assert!(
            parse("fanout --rate fast")
                .unwrap()
                .take_parsed("rate", 1u32)
                .is_err()
        );
        assert_eq!(parse("").unwrap().command, "help");
        assert_eq!(parse("replay --help").unwrap().command, "help");
    }
}
