export const VITALS = [
  { type: "heart_rate", label: "Heart rate", short: "HR", unit: "/min", digits: 0 },
  { type: "spo2", label: "SpO₂", short: "SpO₂", unit: "%", digits: 0 },
  { type: "respiratory_rate", label: "Respiration rate", short: "RR", unit: "/min", digits: 0 },
  { type: "systolic_bp", label: "Systolic blood pressure", short: "SBP", unit: "mmHg", digits: 0 },
  { type: "diastolic_bp", label: "Diastolic blood pressure", short: "DBP", unit: "mmHg", digits: 0 },
  { type: "temperature", label: "Temperature", short: "Temp", unit: "°C", digits: 1 },
];

export const SEVERITIES = ["low", "medium", "high", "urgent", "emergency"];
export const severityRank = (s) => SEVERITIES.indexOf(s);

export const RISK_LABEL = { low: "Low", "low-medium": "Low–medium", medium: "Medium", high: "High" };

export function number(value, digits = 0) {
  return value === undefined || value === null ? "–" : Number(value).toFixed(digits);
}

export function time(iso) {
  if (!iso) return "–";
  return new Date(iso).toLocaleString(undefined, { dateStyle: "short", timeStyle: "medium" });
}

export function age(iso, now = Date.now()) {
  const seconds = Math.max(0, Math.round((now - new Date(iso).getTime()) / 1000));
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
  return `${Math.floor(seconds / 86400)} d`;
}

const DIRECTION = { rising: "↑ rising", falling: "↓ falling", steady: "→ steady" };

// One span of GET /patients/{id}/trends as words: "6 h +2.0 /min per hour (95 % CI +1.8 to +2.2), ↑ rising".
// The arrow repeats the word, so the direction is never told by the symbol alone.
export function trendText(trend, unit) {
  const span = trend.span.replace("h", " h");
  if (trend.slopePerHour === null || trend.slopePerHour === undefined) return `${span}: too few readings`;
  const digits = Math.abs(trend.slopeHigh - trend.slopeLow) < 1 ? 2 : 1;
  const signed = (v) => `${v >= 0 ? "+" : "−"}${Math.abs(v).toFixed(digits)}`;
  return `${span} ${signed(trend.slopePerHour)} ${unit} per hour (95 % CI ${signed(trend.slopeLow)} to ${signed(trend.slopeHigh)}), ${DIRECTION[trend.direction] ?? trend.direction}`;
}
