#ifndef CRYPTCOL_EXAMPLES_CLINICAL_NOTES_HPP
#define CRYPTCOL_EXAMPLES_CLINICAL_NOTES_HPP

// Synthetic patient records for the examples: invented names and plausible clinical notes
// of 200-1000 bytes, built from word lists by a seeded generator, so the same seed gives
// the same records on every machine. No real person or record is behind any of them.

#include <cstddef>
#include <cstdint>
#include <string>

namespace cryptcol::examples {

class SyntheticPatients {
 public:
  explicit SyntheticPatients(std::uint64_t seed = 20240611);

  std::string name();
  // A clinical note between 200 and 1000 bytes (ASCII).
  std::string note();
  // A short addendum (follow-up visit), as an application appends to a record.
  std::string follow_up();

  std::uint64_t next();  // the raw generator (splitmix64), for choosing ids and actions
  std::size_t below(std::size_t bound) { return static_cast<std::size_t>(next() % bound); }

 private:
  std::uint64_t state_;
};

}  // namespace cryptcol::examples

#endif  // CRYPTCOL_EXAMPLES_CLINICAL_NOTES_HPP
