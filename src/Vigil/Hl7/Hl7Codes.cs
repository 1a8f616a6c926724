using System.Collections.Frozen;
using Vigil.Domain.Readings;

namespace Vigil.Hl7;

/// <summary>
/// What an OBX's observation identifier (OBX-3) and units (OBX-6) mean to Vigil. OBX-3 is a LOINC code (coding system
/// <c>LN</c>) or an IEEE 11073-10101 (MDC) term, by numeric code or reference id, as bedside monitors send them
/// (IHE PCD-01). Numeric MDC codes are partition * 65536 + term code: SCADA is partition 2, dimensions partition 4.
/// </summary>
internal static class Hl7Codes
{
    private static readonly (int Code, string[] RefIds, VitalType Type)[] Mdc =
    [
        (147842, ["MDC_ECG_HEART_RATE", "MDC_ECG_CARD_BEAT_RATE"], VitalTypes.HeartRate),
        (149522, ["MDC_PULS_RATE"], VitalTypes.HeartRate),
        (149530, ["MDC_PULS_OXIM_PULS_RATE"], VitalTypes.HeartRate),
        (149546, ["MDC_PULS_RATE_NON_INV"], VitalTypes.HeartRate),
        (150456, ["MDC_PULS_OXIM_SAT_O2"], VitalTypes.Spo2),
        (151562, ["MDC_RESP_RATE"], VitalTypes.RespiratoryRate),
        (0, ["MDC_TTHOR_RESP_RATE", "MDC_AWAY_RESP_RATE", "MDC_CO2_RESP_RATE"], VitalTypes.RespiratoryRate),
        (150344, ["MDC_TEMP"], VitalTypes.Temperature),
        (150364, ["MDC_TEMP_BODY"], VitalTypes.Temperature),
        (150021, ["MDC_PRESS_BLD_NONINV_SYS"], VitalTypes.SystolicBp),
        (150022, ["MDC_PRESS_BLD_NONINV_DIA"], VitalTypes.DiastolicBp),
        (188736, ["MDC_MASS_BODY_ACTUAL"], VitalTypes.Weight),
        (188740, ["MDC_LEN_BODY_ACTUAL"], VitalTypes.Height),
        (188752, ["MDC_RATIO_MASS_BODY_LEN_SQ"], VitalTypes.Bmi),
    ];

    private static readonly FrozenDictionary<string, VitalType> MdcTerms =
        Mdc.SelectMany(m => m.RefIds.Append(m.Code == 0 ? null : m.Code.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .OfType<string>().Select(k => (k, m.Type)))
            .ToFrozenDictionary(p => p.k, p => p.Type, StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Units as monitors and laboratory systems write them, to the UCUM unit the vital type takes (which converts
    /// <c>[degF]</c>, <c>[lb_av]</c>, <c>[in_i]</c> itself), with a factor for the ones it does not know (kPa).
    /// </summary>
    private static readonly FrozenDictionary<string, (string Ucum, double Factor)> Units = new Dictionary<string, (string, double)>
    {
        ["/min"] = ("/min", 1), ["1/min"] = ("/min", 1), ["bpm"] = ("/min", 1), ["beats/min"] = ("/min", 1),
        ["{beats}/min"] = ("/min", 1), ["{beat}/min"] = ("/min", 1), ["{breaths}/min"] = ("/min", 1), ["breaths/min"] = ("/min", 1),
        ["rpm"] = ("/min", 1), ["/m"] = ("/min", 1), ["264864"] = ("/min", 1), ["MDC_DIM_BEAT_PER_MIN"] = ("/min", 1),
        ["264928"] = ("/min", 1), ["MDC_DIM_RESP_PER_MIN"] = ("/min", 1),
        ["%"] = ("%", 1), ["262688"] = ("%", 1), ["MDC_DIM_PERCENT"] = ("%", 1),
        ["Cel"] = ("Cel", 1), ["degC"] = ("Cel", 1), ["C"] = ("Cel", 1), ["°C"] = ("Cel", 1),
        ["268192"] = ("Cel", 1), ["MDC_DIM_DEGC"] = ("Cel", 1),
        ["[degF]"] = ("[degF]", 1), ["degF"] = ("[degF]", 1), ["F"] = ("[degF]", 1), ["°F"] = ("[degF]", 1),
        ["266560"] = ("[degF]", 1), ["MDC_DIM_FAHR"] = ("[degF]", 1),
        ["mm[Hg]"] = ("mm[Hg]", 1), ["mmHg"] = ("mm[Hg]", 1), ["266016"] = ("mm[Hg]", 1), ["MDC_DIM_MMHG"] = ("mm[Hg]", 1),
        // 1 kPa = 1000 / 133.322387415 mm[Hg] (UCUM defines mm[Hg] as 133.322387415 Pa).
        ["kPa"] = ("mm[Hg]", 1000 / 133.322387415), ["265987"] = ("mm[Hg]", 1000 / 133.322387415),
        ["MDC_DIM_KILO_PASCAL"] = ("mm[Hg]", 1000 / 133.322387415),
        ["kg"] = ("kg", 1), ["263875"] = ("kg", 1), ["MDC_DIM_KILO_G"] = ("kg", 1),
        ["[lb_av]"] = ("[lb_av]", 1), ["lb"] = ("[lb_av]", 1), ["263904"] = ("[lb_av]", 1), ["MDC_DIM_LB"] = ("[lb_av]", 1),
        ["cm"] = ("cm", 1), ["263441"] = ("cm", 1), ["MDC_DIM_CENTI_M"] = ("cm", 1),
        ["[in_i]"] = ("[in_i]", 1), ["in"] = ("[in_i]", 1), ["263520"] = ("[in_i]", 1), ["MDC_DIM_INCH"] = ("[in_i]", 1),
        ["kg/m2"] = ("kg/m2", 1), ["264096"] = ("kg/m2", 1), ["MDC_DIM_KG_PER_M_SQ"] = ("kg/m2", 1),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>
    /// The vital type an observation identifier (a CE/CWE: identifier, text, coding system, then the same three for
    /// an alternate code) names, if Vigil takes it. Codes without a coding system are tried as LOINC, then as MDC.
    /// </summary>
    public static VitalType? Observation(Func<int, string> component)
    {
        for (var first = 1; first <= 4; first += 3)
        {
            var (code, text, system) = (component(first), component(first + 1), component(first + 2));
            if (code.Length == 0)
            {
                continue;
            }

            var isLoinc = system.Equals("LN", StringComparison.OrdinalIgnoreCase) || system.Equals("LOINC", StringComparison.OrdinalIgnoreCase);
            var isMdc = system.StartsWith("MDC", StringComparison.OrdinalIgnoreCase);
            if (!isMdc && VitalTypes.TryGetByLoinc(code, out var byLoinc))
            {
                return byLoinc;
            }

            if (!isLoinc && (MdcTerms.TryGetValue(code, out var byMdc) || MdcTerms.TryGetValue(text, out byMdc)))
            {
                return byMdc;
            }
        }

        return null;
    }

    /// <summary>The UCUM unit and factor for a unit identifier (or its text); null for units Vigil does not map, which the validator then names.</summary>
    public static (string Ucum, double Factor)? Unit(string code, string text) =>
        Units.TryGetValue(code, out var u) || Units.TryGetValue(text, out u) ? u : null;
}
