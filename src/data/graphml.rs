//! GraphML reading and writing of data sets and wave networks.
