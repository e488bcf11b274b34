#include "clinical_notes.hpp"

#include <array>
#include <string_view>

namespace cryptcol::examples {

namespace {

template <std::size_t N>
using Words = std::array<std::string_view, N>;

constexpr Words<24> first_names = {
    "Ada",   "Bram",  "Celia", "Dov",   "Elif",  "Farid", "Greta", "Hugo",
    "Ines",  "Jonas", "Kaia",  "Lior",  "Mira",  "Nils",  "Oona",  "Pavel",
    "Quinn", "Rosa",  "Sami",  "Tove",  "Uma",   "Viggo", "Wren",  "Yara"};
constexpr Words<20> last_names = {
    "Abara",  "Brandt",  "Castell", "Dimitrov", "Eklund", "Ferreira", "Gallo",
    "Haddad", "Iversen", "Jaramillo", "Kovac", "Lindqvist", "Moreau", "Nakamura",
    "Okafor", "Petrov",  "Quintero", "Rahman", "Sorensen", "Tanaka"};
constexpr Words<16> complaints = {
    "intermittent chest tightness on exertion", "productive cough and low-grade fever",
    "lower back pain radiating to the left leg", "recurrent frontal headaches",
    "fatigue and unintended weight loss",       "palpitations at rest",
    "shortness of breath climbing stairs",      "epigastric pain after meals",
    "swelling of both ankles",                  "dizziness when standing up",
    "persistent dry cough",                     "joint pain in both hands",
    "poor sleep and low mood",                  "burning on urination",
    "itchy rash on the forearms",               "blurred vision in the right eye"};
constexpr Words<18> conditions = {
    "type 2 diabetes mellitus", "essential hypertension",  "asthma",
    "hypothyroidism",           "atrial fibrillation",     "chronic kidney disease stage 3",
    "osteoarthritis of the knee", "gastro-oesophageal reflux", "migraine without aura",
    "hyperlipidaemia",          "major depressive disorder", "COPD",
    "iron deficiency anaemia",  "obstructive sleep apnoea", "psoriasis",
    "gout",                     "heart failure with preserved ejection fraction", "epilepsy"};
constexpr Words<16> medications = {
    "metformin 500 mg twice daily",     "lisinopril 10 mg once daily",
    "atorvastatin 20 mg at night",      "levothyroxine 75 mcg each morning",
    "apixaban 5 mg twice daily",        "salbutamol inhaler as needed",
    "omeprazole 20 mg before breakfast", "sertraline 50 mg once daily",
    "amlodipine 5 mg once daily",       "allopurinol 100 mg once daily",
    "bisoprolol 2.5 mg once daily",     "furosemide 40 mg in the morning",
    "ferrous sulfate 200 mg daily",     "lamotrigine 100 mg twice daily",
    "paracetamol 1 g up to four times daily", "budesonide/formoterol two puffs twice daily"};
constexpr Words<10> allergies = {
    "no known drug allergies", "penicillin (rash)",     "sulfonamides (hives)",
    "latex",                   "ibuprofen (wheeze)",    "codeine (nausea)",
    "shellfish",               "no known drug allergies", "amoxicillin (rash)",
    "no known drug allergies"};
constexpr Words<14> findings = {
    "Chest clear on auscultation", "Mild bibasal crackles", "Heart sounds normal, no murmur",
    "Abdomen soft, tender in the epigastrium", "No focal neurological deficit",
    "Pitting oedema to mid-shin", "Straight leg raise positive on the left",
    "Tympanic membranes normal", "Skin: scaly plaques on extensor surfaces",
    "Fundoscopy unremarkable", "Thyroid not enlarged", "Pulses present and equal",
    "Irregularly irregular pulse", "Mild tenderness over the MCP joints"};
constexpr Words<14> plans = {
    "Repeat HbA1c in three months",        "Titrate antihypertensive and recheck BP in two weeks",
    "Order chest X-ray and full blood count", "Refer to physiotherapy",
    "Start trial of proton pump inhibitor", "Arrange 24-hour ECG monitoring",
    "Renal function and electrolytes in one week", "Safety-netting advice given",
    "Refer to cardiology outpatient clinic", "Lifestyle advice on diet and exercise",
    "Review medication adherence at next visit", "Arrange sleep study",
    "Dermatology referral for phototherapy", "Discussed red-flag symptoms"};
constexpr Words<8> outcomes = {
    "symptoms improved",          "symptoms unchanged",   "partial response to treatment",
    "new side effect reported (mild nausea)", "blood results within target",
    "blood pressure still above target", "no new concerns", "patient declined further tests"};

template <std::size_t N>
std::string_view pick(SyntheticPatients& g, const Words<N>& words) {
  return words[g.below(N)];
}

}  // namespace

SyntheticPatients::SyntheticPatients(std::uint64_t seed) : state_(seed) {}

std::uint64_t SyntheticPatients::next() {
  // splitmix64: tiny, fast and identical on every platform (unlike std distributions).
  std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

std::string SyntheticPatients::name() {
  std::string name(pick(*this, first_names));
  name += ' ';
  name += pick(*this, last_names);
  return name;
}

std::string SyntheticPatients::note() {
  // Target length first, then sentences until it is reached, then cut on a word.
  const std::size_t target = 200 + below(801);
  std::string text = std::to_string(18 + below(75)) + "-year-old " +
                     (below(2) == 0 ? "woman" : "man") + " presenting with " +
                     std::string(pick(*this, complaints)) + " for " +
                     std::to_string(1 + below(11)) + (below(2) == 0 ? " days. " : " weeks. ") +
                     "Background: " + std::string(pick(*this, conditions)) + " and " +
                     std::string(pick(*this, conditions)) + ". Medications: " +
                     std::string(pick(*this, medications)) + "; " +
                     std::string(pick(*this, medications)) + ". Allergies: " +
                     std::string(pick(*this, allergies)) + ". BP " +
                     std::to_string(105 + below(60)) + "/" + std::to_string(60 + below(35)) +
                     ", HR " + std::to_string(52 + below(50)) + ", SpO2 " +
                     std::to_string(92 + below(8)) + "%. " + std::string(pick(*this, findings)) +
                     ". Plan: " + std::string(pick(*this, plans)) + ".";
  while (text.size() < target) text += " " + follow_up();
  if (text.size() > 1000) {
    std::size_t cut = text.rfind(' ', 999);
    text.resize(cut == std::string::npos ? 999 : cut);
    text += '.';
  }
  return text;
}

std::string SyntheticPatients::follow_up() {
  return "Follow-up day " + std::to_string(3 + below(180)) + ": " +
         std::string(pick(*this, outcomes)) + ". " + std::string(pick(*this, findings)) + ". " +
         std::string(pick(*this, plans)) + ".";
}

}  // namespace cryptcol::examples
