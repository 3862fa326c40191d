//! CronJob schedules as a validated type: [`Schedule::parse`] accepts exactly what the Kubernetes
//! API server accepts for `spec.schedule` (robfig/cron v3's `ParseStandard`, less `@every` and
//! the `TZ=` prefixes the API server refuses), minus a few quirks that are always mistakes.
//!
//! ```
//! use girder_k8s::cron::Schedule;
//!
//! let nightly = Schedule::parse("30 2 * * mon-fri").unwrap();
//! assert_eq!(nightly.to_string(), "30 2 * * MON-FRI");
//! assert!(Schedule::parse("@daily").is_ok());
//! let err = Schedule::parse("61 * * * *").unwrap_err();
//! assert_eq!(err.to_string(), "minute field `61`: 61 is out of range; minute takes 0-59");
//! ```
//!
//! The grammar, field by field (separated by any whitespace):
//!
//! | field | values | names |
//! |---|---|---|
//! | minute | 0-59 | |
//! | hour | 0-23 | |
//! | day-of-month | 1-31, `?` | |
//! | month | 1-12 | `JAN`-`DEC`, any case |
//! | day-of-week | 0-6 (0 is Sunday) | `SUN`-`SAT`, any case |
//!
//! Each field is a comma-separated list of items: `*`, a value `5`, a range `1-5` (low <= high),
//! each optionally followed by a step `/15` (`5/15` means `5-max/15`). A step is 1 or more and at
//! most the field's maximum. The macros are `@yearly`, `@annually`, `@monthly`, `@weekly`,
//! `@daily`, `@midnight` and `@hourly`.
//!
//! Where Girder is stricter than the API server, each time for input that cannot mean what its
//! author meant: `7` for Sunday (the API server refuses it too, unlike Vixie cron), `@every`
//! (accepted by the parser, but not a calendar schedule and refused by Girder's CronJob), `?`
//! outside the day fields, empty list items (`1,,2`), `*-5`, `+5`, and a step above the field's
//! maximum (`*/61` would run once an hour).
//!
//! [`Display`](fmt::Display) writes the canonical form (single spaces, names in capitals,
//! numbers without leading zeros), which parses back to an equal [`Schedule`].

use std::fmt;
use std::str::FromStr;

/// Why a schedule was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CronError {
    /// The schedule is empty or only whitespace.
    #[error("the schedule is empty")]
    Empty,
    /// Not five fields.
    #[error(
        "`{schedule}` has {found} field{s}; a schedule has five: minute hour day-of-month month day-of-week",
        s = if *found == 1 { "" } else { "s" }
    )]
    FieldCount {
        /// The whole schedule.
        schedule: String,
        /// How many fields it has.
        found: usize,
    },
    /// A `TZ=` or `CRON_TZ=` prefix, which the API server refuses.
    #[error(
        "`{schedule}` starts with a time zone; Kubernetes refuses `TZ=` and `CRON_TZ=` in a schedule"
    )]
    TimeZonePrefix {
        /// The whole schedule.
        schedule: String,
    },
    /// `@every <duration>`.
    #[error("`{schedule}`: `@every` is not a calendar schedule and is not accepted for a CronJob")]
    Every {
        /// The whole schedule.
        schedule: String,
    },
    /// An `@` word that is not a known macro.
    #[error(
        "`{schedule}` is not a schedule macro (@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly)"
    )]
    UnknownMacro {
        /// The whole schedule.
        schedule: String,
    },
    /// One field is wrong.
    #[error("{field} field `{text}`: {problem}; {field} takes {allowed}", allowed = field.allowed())]
    Field {
        /// Which field.
        field: FieldKind,
        /// The field's text as written.
        text: String,
        /// What is wrong with it.
        problem: FieldProblem,
    },
}

impl CronError {
    /// What to do about it, for a diagnostic's hint.
    pub fn hint(&self) -> &'static str {
        match self {
            CronError::TimeZonePrefix { .. } => {
                "remove the prefix and set the time zone on its own, e.g. `.time_zone(\"Europe/Paris\")`"
            }
            CronError::Every { .. } => {
                "write the interval as fields, e.g. `*/15 * * * *` for every 15 minutes or `0 */6 * * *` for every 6 hours"
            }
            CronError::UnknownMacro { .. } => {
                "use one of the macros, e.g. `@daily`, or five fields, e.g. `0 3 * * *`"
            }
            CronError::Field {
                problem: FieldProblem::Sunday7,
                ..
            } => "write Sunday as `0` or `SUN`",
            _ => {
                "write five fields: minute hour day-of-month month day-of-week, e.g. `0 3 * * *` for 03:00 every day"
            }
        }
    }
}

/// One of the five fields of a schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FieldKind {
    /// 0-59.
    Minute,
    /// 0-23.
    Hour,
    /// 1-31.
    DayOfMonth,
    /// 1-12 or JAN-DEC.
    Month,
    /// 0-6 or SUN-SAT.
    DayOfWeek,
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
/// The fields in the order a schedule writes them.
#[cfg(test)]
const FIELDS: [FieldKind; 5] = [
    FieldKind::Minute,
    FieldKind::Hour,
    FieldKind::DayOfMonth,
    FieldKind::Month,
    FieldKind::DayOfWeek,
];

impl FieldKind {
    /// The smallest value.
    pub const fn min(self) -> u8 {
        match self {
            FieldKind::Minute | FieldKind::Hour | FieldKind::DayOfWeek => 0,
            FieldKind::DayOfMonth | FieldKind::Month => 1,
        }
    }

    /// The largest value.
    pub const fn max(self) -> u8 {
        match self {
            FieldKind::Minute => 59,
            FieldKind::Hour => 23,
            FieldKind::DayOfMonth => 31,
            FieldKind::Month => 12,
            FieldKind::DayOfWeek => 6,
        }
    }

    /// The allowed values, as a user reads them.
    pub const fn allowed(self) -> &'static str {
        match self {
            FieldKind::Minute => "0-59",
            FieldKind::Hour => "0-23",
            FieldKind::DayOfMonth => "1-31 or ?",
            FieldKind::Month => "1-12 or JAN-DEC",
            FieldKind::DayOfWeek => "0-6 or SUN-SAT (0 is Sunday) or ?",
        }
    }

    /// The names of the values, first one for [`min`](Self::min).
    fn names(self) -> &'static [&'static str] {
        match self {
            FieldKind::Month => &MONTHS,
            FieldKind::DayOfWeek => &DAYS,
            _ => &[],
        }
    }

    fn allows_question_mark(self) -> bool {
        matches!(self, FieldKind::DayOfMonth | FieldKind::DayOfWeek)
    }
}

impl fmt::Display for FieldKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FieldKind::Minute => "minute",
            FieldKind::Hour => "hour",
            FieldKind::DayOfMonth => "day-of-month",
            FieldKind::Month => "month",
            FieldKind::DayOfWeek => "day-of-week",
        })
    }
}

/// What is wrong with one field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FieldProblem {
    /// A number outside the field's range.
    #[error("{value} is out of range")]
    OutOfRange {
        /// The number as written.
        value: String,
    },
    /// `7` in the day-of-week field.
    #[error("7 is out of range (Kubernetes does not read 7 as Sunday)")]
    Sunday7,
    /// Neither a number nor a name of the field.
    #[error("`{value}` is not a number{names}", names = if *named { " or a name" } else { "" })]
    NotANumber {
        /// The text as written.
        value: String,
        /// Whether the field takes names.
        named: bool,
    },
    /// A range written high to low.
    #[error("the range `{item}` runs backwards")]
    Reversed {
        /// The range as written.
        item: String,
    },
    /// A step of 0.
    #[error("the step of `{item}` is 0")]
    ZeroStep {
        /// The item as written.
        item: String,
    },
    /// A step above the field's maximum, which matches only the first value.
    #[error("the step of `{item}` is above {max}, so it matches only its first value")]
    StepTooLarge {
        /// The item as written.
        item: String,
        /// The field's maximum.
        max: u8,
    },
    /// An empty item in a list (`1,,2`, a trailing comma).
    #[error("a list item is empty")]
    EmptyItem,
    /// More than one `-` or `/`, or `*` in a range.
    #[error("`{item}` is not a value, a range or `*`, with an optional `/step`")]
    Malformed {
        /// The item as written.
        item: String,
    },
    /// `?` outside the day fields.
    #[error("`?` stands only for day-of-month or day-of-week")]
    QuestionMark,
}

/// A valid CronJob schedule: one of the macros, or five fields. See the [module docs](self).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Schedule(Spec);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Spec {
    Macro(Macro),
    Fields([Field; 5]),
}

/// A named schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Macro {
    Yearly,
    Annually,
    Monthly,
    Weekly,
    Daily,
    Midnight,
    Hourly,
}

const MACROS: [(&str, Macro); 7] = [
    ("@yearly", Macro::Yearly),
    ("@annually", Macro::Annually),
    ("@monthly", Macro::Monthly),
    ("@weekly", Macro::Weekly),
    ("@daily", Macro::Daily),
    ("@midnight", Macro::Midnight),
    ("@hourly", Macro::Hourly),
];

/// A field: a non-empty list of items.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Field {
    kind: FieldKind,
    items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Item {
    /// `*` or `?` (`question`), with an optional step.
    All { question: bool, step: Option<u8> },
    /// `low`, `low-high`, `low/step` (low to the maximum) or `low-high/step`.
    Range {
        low: Value,
        high: Option<Value>,
        step: Option<u8>,
    },
}

/// A number, written as a number or as a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Value {
    n: u8,
    named: bool,
}

impl Schedule {
    /// Parses `text`: a macro such as `@daily` or five fields such as `0 3 * * MON-FRI`.
    ///
    /// Never panics; every refusal names the bad field and what it takes.
    pub fn parse(text: &str) -> Result<Schedule, CronError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(CronError::Empty);
        }
        if trimmed.starts_with("TZ=") || trimmed.starts_with("CRON_TZ=") {
            return Err(CronError::TimeZonePrefix {
                schedule: text.to_owned(),
            });
        }
        if trimmed.starts_with('@') {
            if let Some((_, m)) = MACROS.iter().find(|(name, _)| *name == trimmed) {
                return Ok(Schedule(Spec::Macro(*m)));
            }
            if trimmed.starts_with("@every") {
                return Err(CronError::Every {
                    schedule: text.to_owned(),
                });
            }
            return Err(CronError::UnknownMacro {
                schedule: text.to_owned(),
            });
        }
        let texts: Vec<&str> = trimmed.split_whitespace().collect();
        let Ok(texts) = <[&str; 5]>::try_from(texts.as_slice()) else {
            return Err(CronError::FieldCount {
                schedule: text.to_owned(),
                found: texts.len(),
            });
        };
        let [minute, hour, dom, month, dow] = texts;
        Ok(Schedule(Spec::Fields([
            parse_field(FieldKind::Minute, minute)?,
            parse_field(FieldKind::Hour, hour)?,
            parse_field(FieldKind::DayOfMonth, dom)?,
            parse_field(FieldKind::Month, month)?,
            parse_field(FieldKind::DayOfWeek, dow)?,
        ])))
    }

    /// Whether this is a macro such as `@daily` rather than five fields.
    pub fn is_macro(&self) -> bool {
        matches!(self.0, Spec::Macro(_))
    }
}

impl FromStr for Schedule {
    type Err = CronError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Schedule::parse(s)
    }
}

fn parse_field(kind: FieldKind, text: &str) -> Result<Field, CronError> {
    let err = |problem| CronError::Field {
        field: kind,
        text: text.to_owned(),
        problem,
    };
    let items = text
        .split(',')
        .map(|item| parse_item(kind, item).map_err(err))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Field { kind, items })
}

fn parse_item(kind: FieldKind, item: &str) -> Result<Item, FieldProblem> {
    if item.is_empty() {
        return Err(FieldProblem::EmptyItem);
    }
    let malformed = || FieldProblem::Malformed {
        item: item.to_owned(),
    };
    let (range, step) = match item.split_once('/') {
        None => (item, None),
        Some((_, step)) if step.contains('/') => return Err(malformed()),
        Some((range, step)) => (range, Some(parse_step(kind, item, step)?)),
    };
    if range == "*" || range == "?" {
        let question = range == "?";
        if question && !kind.allows_question_mark() {
            return Err(FieldProblem::QuestionMark);
        }
        return Ok(Item::All { question, step });
    }
    let (low, high) = match range.split_once('-') {
        None => (parse_value(kind, range)?, None),
        Some((_, high)) if high.contains('-') => return Err(malformed()),
        Some((low, high)) => {
            if low == "*" || low == "?" {
                return Err(malformed());
            }
            (parse_value(kind, low)?, Some(parse_value(kind, high)?))
        }
    };
    if let Some(high) = high
        && low.n > high.n
    {
        return Err(FieldProblem::Reversed {
            item: item.to_owned(),
        });
    }
    Ok(Item::Range { low, high, step })
}

/// Parses a step: 1 to the field's maximum.
fn parse_step(kind: FieldKind, item: &str, step: &str) -> Result<u8, FieldProblem> {
    let Some(n) = parse_number(step) else {
        return Err(FieldProblem::NotANumber {
            value: step.to_owned(),
            named: false,
        });
    };
    match u8::try_from(n) {
        Ok(0) => Err(FieldProblem::ZeroStep {
            item: item.to_owned(),
        }),
        Ok(n) if n <= kind.max() => Ok(n),
        _ => Err(FieldProblem::StepTooLarge {
            item: item.to_owned(),
            max: kind.max(),
        }),
    }
}

/// Parses a value of the field: a number in range, or a name of the field in any case.
fn parse_value(kind: FieldKind, text: &str) -> Result<Value, FieldProblem> {
    if let Some(i) = kind
        .names()
        .iter()
        .position(|name| name.eq_ignore_ascii_case(text))
    {
        // At most 12 names: the index fits a u8.
        let n = kind.min() + i as u8;
        return Ok(Value { n, named: true });
    }
    let Some(n) = parse_number(text) else {
        return Err(FieldProblem::NotANumber {
            value: text.to_owned(),
            named: !kind.names().is_empty(),
        });
    };
    match u8::try_from(n) {
        Ok(n) if (kind.min()..=kind.max()).contains(&n) => Ok(Value { n, named: false }),
        Ok(7) if kind == FieldKind::DayOfWeek => Err(FieldProblem::Sunday7),
        _ => Err(FieldProblem::OutOfRange {
            value: text.to_owned(),
        }),
    }
}

/// Decimal digits only (no sign); numbers too large for a `u64` saturate, which is out of range
/// for every field.
fn parse_number(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(text.parse().unwrap_or(u64::MAX))
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Spec::Macro(m) => {
                let name = MACROS
                    .iter()
                    .find(|(_, candidate)| candidate == m)
                    .map_or("", |(name, _)| name);
                f.write_str(name)
            }
            Spec::Fields(fields) => {
                for (i, field) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    write!(f, "{field}")?;
                }
                Ok(())
            }
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, item) in self.items.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            match item {
                Item::All { question, step } => {
                    f.write_str(if *question { "?" } else { "*" })?;
                    if let Some(step) = step {
                        write!(f, "/{step}")?;
                    }
                }
                Item::Range { low, high, step } => {
                    self.value(f, *low)?;
                    if let Some(high) = high {
                        f.write_str("-")?;
                        self.value(f, *high)?;
                    }
                    if let Some(step) = step {
                        write!(f, "/{step}")?;
                    }
                }
            }
        }
        Ok(())
    }
}

impl Field {
    fn value(&self, f: &mut fmt::Formatter<'_>, value: Value) -> fmt::Result {
        let name = value
            .named
            .then(|| {
                self.kind
                    .names()
                    .get(usize::from(value.n - self.kind.min()))
            })
            .flatten();
        match name {
            Some(name) => f.write_str(name),
            None => write!(f, "{}", value.n),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> String {
        match Schedule::parse(text) {
            Ok(schedule) => schedule.to_string(),
            Err(err) => panic!("`{text}` was refused: {err}"),
        }
    }

    fn problem(text: &str) -> (FieldKind, FieldProblem) {
        match Schedule::parse(text) {
            Err(CronError::Field { field, problem, .. }) => (field, problem),
            other => panic!("`{text}`: expected a field error, got {other:?}"),
        }
    }

    #[test]
    fn accepts_the_standard_grammar_and_prints_it_canonically() {
        for (text, canonical) in [
            ("* * * * *", "* * * * *"),
            ("0 3 * * *", "0 3 * * *"),
            ("  0   3 *\t* *  ", "0 3 * * *"),
            ("*/15 * * * *", "*/15 * * * *"),
            ("0 0 1,15 * *", "0 0 1,15 * *"),
            ("0 9-17 * * 1-5", "0 9-17 * * 1-5"),
            ("0 9-17/2 * * mon-FRI", "0 9-17/2 * * MON-FRI"),
            ("5/10 * * * *", "5/10 * * * *"),
            ("0 0 ? * sun", "0 0 ? * SUN"),
            ("0 0 * jan,Jul ?", "0 0 * JAN,JUL ?"),
            ("00 05 01 01 00", "0 5 1 1 0"),
            ("59 23 31 12 6", "59 23 31 12 6"),
            ("0 0 1 DEC SAT", "0 0 1 DEC SAT"),
            ("*/59 */23 */31 */12 */6", "*/59 */23 */31 */12 */6"),
            ("* * ?/3 * ?/2", "* * ?/3 * ?/2"),
        ] {
            assert_eq!(ok(text), canonical, "{text}");
        }
    }

    #[test]
    fn accepts_the_kubernetes_macros_only() {
        for m in [
            "@yearly",
            "@annually",
            "@monthly",
            "@weekly",
            "@daily",
            "@midnight",
            "@hourly",
        ] {
            assert_eq!(ok(m), m);
            assert!(Schedule::parse(m).is_ok_and(|s| s.is_macro()));
        }
        assert!(matches!(
            Schedule::parse("@every 1h"),
            Err(CronError::Every { .. })
        ));
        assert!(matches!(
            Schedule::parse("@reboot"),
            Err(CronError::UnknownMacro { .. })
        ));
        assert!(matches!(
            Schedule::parse("@DAILY"),
            Err(CronError::UnknownMacro { .. })
        ));
    }

    #[test]
    fn refuses_values_out_of_range_naming_the_field() {
        let err = Schedule::parse("61 25 32 13 8").unwrap_err();
        assert_eq!(
            err.to_string(),
            "minute field `61`: 61 is out of range; minute takes 0-59"
        );
        for (text, field, value) in [
            ("60 * * * *", FieldKind::Minute, "60"),
            ("* 24 * * *", FieldKind::Hour, "24"),
            ("* * 0 * *", FieldKind::DayOfMonth, "0"),
            ("* * 32 * *", FieldKind::DayOfMonth, "32"),
            ("* * * 0 *", FieldKind::Month, "0"),
            ("* * * 13 *", FieldKind::Month, "13"),
            ("* * * * 8", FieldKind::DayOfWeek, "8"),
            (
                "99999999999999999999999 * * * *",
                FieldKind::Minute,
                "99999999999999999999999",
            ),
            ("1-300 * * * *", FieldKind::Minute, "300"),
        ] {
            assert_eq!(
                problem(text),
                (
                    field,
                    FieldProblem::OutOfRange {
                        value: value.into()
                    }
                ),
                "{text}"
            );
        }
        let err = Schedule::parse("* * 32 * *").unwrap_err();
        assert!(err.to_string().contains("day-of-month takes 1-31"), "{err}");
        assert_eq!(
            problem("0 0 * * 7"),
            (FieldKind::DayOfWeek, FieldProblem::Sunday7)
        );
        assert_eq!(
            Schedule::parse("0 0 * * 7").unwrap_err().hint(),
            "write Sunday as `0` or `SUN`"
        );
    }

    #[test]
    fn refuses_bad_steps_ranges_and_items() {
        assert_eq!(
            problem("*/0 * * * *"),
            (
                FieldKind::Minute,
                FieldProblem::ZeroStep { item: "*/0".into() }
            )
        );
        assert_eq!(
            Schedule::parse("*/0 * * * *").unwrap_err().to_string(),
            "minute field `*/0`: the step of `*/0` is 0; minute takes 0-59"
        );
        assert_eq!(
            problem("*/61 * * * *"),
            (
                FieldKind::Minute,
                FieldProblem::StepTooLarge {
                    item: "*/61".into(),
                    max: 59
                }
            )
        );
        assert_eq!(
            problem("* */300 * * *").1,
            FieldProblem::StepTooLarge {
                item: "*/300".into(),
                max: 23
            }
        );
        assert_eq!(
            problem("* 17-9 * * *"),
            (
                FieldKind::Hour,
                FieldProblem::Reversed {
                    item: "17-9".into()
                }
            )
        );
        assert_eq!(
            problem("* * * * FRI-MON").1,
            FieldProblem::Reversed {
                item: "FRI-MON".into()
            }
        );
        for (text, field) in [
            ("1,,2 * * * *", FieldKind::Minute),
            ("1, * * * *", FieldKind::Minute),
            (",1 * * * *", FieldKind::Minute),
        ] {
            assert_eq!(problem(text), (field, FieldProblem::EmptyItem), "{text}");
        }
        for item in ["1-2-3", "1/2/3", "*-5", "?-5"] {
            let text = format!("{item} * * * *");
            let (_, p) = problem(&text);
            assert!(
                matches!(
                    p,
                    FieldProblem::Malformed { .. } | FieldProblem::QuestionMark
                ),
                "{text}: {p:?}"
            );
        }
        for item in ["+5", "-5", "5-", "a", "5/", "5/x", "*/-1", "٣"] {
            let text = format!("{item} * * * *");
            assert!(
                matches!(problem(&text).1, FieldProblem::NotANumber { .. }),
                "{text}"
            );
        }
        assert_eq!(
            problem("? * * * *"),
            (FieldKind::Minute, FieldProblem::QuestionMark)
        );
        assert_eq!(
            problem("* * * * JANUARY").1,
            FieldProblem::NotANumber {
                value: "JANUARY".into(),
                named: true
            }
        );
        assert_eq!(
            problem("* * * MON *").1,
            FieldProblem::NotANumber {
                value: "MON".into(),
                named: true
            }
        );
        assert_eq!(
            problem("JAN * * * *").1,
            FieldProblem::NotANumber {
                value: "JAN".into(),
                named: false
            }
        );
    }

    #[test]
    fn refuses_wrong_shapes() {
        assert_eq!(Schedule::parse(""), Err(CronError::Empty));
        assert_eq!(Schedule::parse(" \t "), Err(CronError::Empty));
        for (text, found) in [("* * * *", 4), ("0 * * * * *", 6), ("daily", 1)] {
            assert_eq!(
                Schedule::parse(text),
                Err(CronError::FieldCount {
                    schedule: text.into(),
                    found
                }),
                "{text}"
            );
        }
        for text in ["TZ=UTC 0 3 * * *", "CRON_TZ=Europe/Paris 0 3 * * *"] {
            let err = Schedule::parse(text).unwrap_err();
            assert!(matches!(err, CronError::TimeZonePrefix { .. }), "{text}");
            assert!(err.hint().contains(".time_zone("), "{text}");
        }
    }

    #[test]
    fn display_round_trips() {
        for text in [
            "0 3 * * *",
            "*/5 1-3,7,9-11/2 ?/3 jan-mar,6/2 sun,2-sat/2",
            "01 02 03 04 05",
            "@midnight",
            "0 0 ? */3 ?",
        ] {
            let schedule = Schedule::parse(text).unwrap();
            let printed = schedule.to_string();
            assert_eq!(Schedule::parse(&printed), Ok(schedule), "{text}");
            assert_eq!(ok(&printed), printed, "{text}");
        }
    }

    #[test]
    fn every_minute_value_is_accepted_exactly_in_range() {
        for (i, kind) in FIELDS.into_iter().enumerate() {
            for n in 0..=70u32 {
                let mut fields = ["*"; 5].map(String::from);
                fields[i] = n.to_string();
                let result = Schedule::parse(&fields.join(" "));
                let in_range = (u32::from(kind.min())..=u32::from(kind.max())).contains(&n);
                assert_eq!(result.is_ok(), in_range, "{kind} {n}");
            }
        }
    }
}
