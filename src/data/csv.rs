//! CSV reading and writing of data sets (see `docs/data-formats.md`).
