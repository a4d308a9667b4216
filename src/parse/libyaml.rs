//! A safe event reader over libyaml (unsafe-libyaml: libyaml 0.2.5 translated to Rust by c2rust,
//! the reader serde_yaml ran on). Kubernetes reads YAML with go-yaml, a port of libyaml, so what
//! libyaml accepts, refuses and reads is what `kubectl apply` accepts, refuses and reads.
//!
//! This is the only `unsafe` in hostlint: each call follows libyaml's documented contract (a parser
//! initialised once, not moved after its input is set, the input outliving it, each event deleted
//! after it is copied out, the parser deleted last).

use std::ffi::CStr;
use std::marker::PhantomData;
use std::mem::MaybeUninit;

use unsafe_libyaml as unsafe_sys;

/// A position: 0-based line and column (in characters), as libyaml counts them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Mark {
    pub line: u64,
    pub column: u64,
}

impl From<unsafe_sys::yaml_mark_t> for Mark {
    fn from(m: unsafe_sys::yaml_mark_t) -> Self {
        Mark {
            line: m.line,
            column: m.column,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarStyle {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

#[derive(Debug)]
pub enum EventData {
    StreamStart,
    StreamEnd,
    DocumentStart,
    DocumentEnd,
    Alias {
        anchor: String,
    },
    Scalar {
        anchor: Option<String>,
        value: String,
        style: ScalarStyle,
    },
    SequenceStart {
        anchor: Option<String>,
    },
    SequenceEnd,
    MappingStart {
        anchor: Option<String>,
    },
    MappingEnd,
}

#[derive(Debug)]
pub struct Event {
    pub data: EventData,
    pub start: Mark,
    pub end: Mark,
}

/// libyaml's refusal: its problem and, when it names one, the construct it was reading.
#[derive(Clone, Debug)]
pub struct Error {
    pub problem: String,
    /// `None` for reader errors (bad UTF-8, a control character): they have an offset, not a mark.
    pub problem_mark: Option<Mark>,
    pub context: Option<(String, Mark)>,
    /// For reader errors: the byte offset of the problem.
    pub offset: usize,
}

/// Reads events from one text. Boxed: libyaml keeps a pointer to the parser in it.
pub struct Parser<'input> {
    raw: Box<MaybeUninit<unsafe_sys::yaml_parser_t>>,
    done: bool,
    input: PhantomData<&'input [u8]>,
}

impl<'input> Parser<'input> {
    pub fn new(input: &'input [u8]) -> Self {
        let mut raw = Box::new(MaybeUninit::<unsafe_sys::yaml_parser_t>::uninit());
        let p = raw.as_mut_ptr();
        // SAFETY: `p` points to memory owned by the box, which never moves (it lives on the heap
        // and the box is only dropped in `Drop`); initialize zeroes it before use. The input is
        // borrowed for 'input, which outlives the parser.
        unsafe {
            if unsafe_sys::yaml_parser_initialize(p).fail {
                // libyaml fails here only when it cannot allocate: Rust's allocator aborts first.
                unreachable!("yaml_parser_initialize cannot fail without an allocation failure");
            }
            unsafe_sys::yaml_parser_set_input_string(p, input.as_ptr(), input.len() as u64);
        }
        Parser {
            raw,
            done: false,
            input: PhantomData,
        }
    }

    /// The next event; after `StreamEnd` or an error, `StreamEnd` again.
    pub fn next_event(&mut self) -> Result<Event, Error> {
        if self.done {
            return Ok(Event {
                data: EventData::StreamEnd,
                start: Mark::default(),
                end: Mark::default(),
            });
        }
        let p = self.raw.as_mut_ptr();
        let mut ev = MaybeUninit::<unsafe_sys::yaml_event_t>::uninit();
        // SAFETY: the parser was initialised in `new` and not deleted; libyaml fills `ev` when it
        // returns OK (and leaves it empty otherwise); every pointer read is one libyaml set for
        // this event type, NUL-terminated or with its length; the event is deleted once copied.
        unsafe {
            if unsafe_sys::yaml_parser_parse(p, ev.as_mut_ptr()).fail {
                self.done = true;
                return Err(error(&*p));
            }
            let e = ev.as_mut_ptr();
            let data = match (*e).type_ {
                unsafe_sys::YAML_STREAM_START_EVENT => EventData::StreamStart,
                unsafe_sys::YAML_STREAM_END_EVENT => {
                    self.done = true;
                    EventData::StreamEnd
                }
                unsafe_sys::YAML_DOCUMENT_START_EVENT => EventData::DocumentStart,
                unsafe_sys::YAML_DOCUMENT_END_EVENT => EventData::DocumentEnd,
                unsafe_sys::YAML_ALIAS_EVENT => EventData::Alias {
                    anchor: string((*e).data.alias.anchor).unwrap_or_default(),
                },
                unsafe_sys::YAML_SCALAR_EVENT => {
                    let s = (*e).data.scalar;
                    let bytes = std::slice::from_raw_parts(s.value, s.length as usize);
                    EventData::Scalar {
                        anchor: string(s.anchor),
                        value: String::from_utf8_lossy(bytes).into_owned(),
                        style: match s.style {
                            unsafe_sys::YAML_SINGLE_QUOTED_SCALAR_STYLE => {
                                ScalarStyle::SingleQuoted
                            }
                            unsafe_sys::YAML_DOUBLE_QUOTED_SCALAR_STYLE => {
                                ScalarStyle::DoubleQuoted
                            }
                            unsafe_sys::YAML_LITERAL_SCALAR_STYLE => ScalarStyle::Literal,
                            unsafe_sys::YAML_FOLDED_SCALAR_STYLE => ScalarStyle::Folded,
                            _ => ScalarStyle::Plain,
                        },
                    }
                }
                unsafe_sys::YAML_SEQUENCE_START_EVENT => EventData::SequenceStart {
                    anchor: string((*e).data.sequence_start.anchor),
                },
                unsafe_sys::YAML_SEQUENCE_END_EVENT => EventData::SequenceEnd,
                unsafe_sys::YAML_MAPPING_START_EVENT => EventData::MappingStart {
                    anchor: string((*e).data.mapping_start.anchor),
                },
                unsafe_sys::YAML_MAPPING_END_EVENT => EventData::MappingEnd,
                _ => EventData::StreamEnd,
            };
            let event = Event {
                data,
                start: (*e).start_mark.into(),
                end: (*e).end_mark.into(),
            };
            unsafe_sys::yaml_event_delete(e);
            Ok(event)
        }
    }
}

impl Drop for Parser<'_> {
    fn drop(&mut self) {
        // SAFETY: initialised in `new`, deleted exactly once, here.
        unsafe { unsafe_sys::yaml_parser_delete(self.raw.as_mut_ptr()) }
    }
}

/// A NUL-terminated libyaml string (anchors), `None` for a null pointer.
///
/// # Safety
/// `p` is null or points to a NUL-terminated string that lives while this runs.
unsafe fn string(p: *const u8) -> Option<String> {
    if p.is_null() {
        return None;
    }
    // SAFETY: per the contract above.
    let s = unsafe { CStr::from_ptr(p.cast()) };
    Some(s.to_string_lossy().into_owned())
}

/// The error a failed parse left in the parser.
///
/// # Safety
/// `p` is a parser whose last call failed.
unsafe fn error(p: &unsafe_sys::yaml_parser_t) -> Error {
    // SAFETY: libyaml's problem and context are static C strings or null.
    let (problem, context) = unsafe { (string(p.problem.cast()), string(p.context.cast())) };
    let reader = p.error == unsafe_sys::YAML_READER_ERROR;
    Error {
        problem: problem.unwrap_or_else(|| "cannot read YAML".into()),
        problem_mark: (!reader).then(|| p.problem_mark.into()),
        context: context.map(|c| (c, p.context_mark.into())),
        offset: p.problem_offset as usize,
    }
}
