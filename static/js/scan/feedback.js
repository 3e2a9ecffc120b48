// Sound and vibration for each answer: one short high beep, two middle beeps, one long low tone.
const PATTERNS = {
  accepted: { tones: [[1046, 0, 0.12]], vibrate: [80] },
  pending: { tones: [[660, 0, 0.09], [660, 0.16, 0.09]], vibrate: [60, 60, 60] },
  refused: { tones: [[196, 0, 0.45]], vibrate: [300, 100, 300] },
};
let audio = null;

function context() {
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!audio && Context) audio = new Context();
  if (audio && audio.state === "suspended") audio.resume();
  return audio;
}

// Browsers start sound only after a tap: open the audio on the first one.
document.addEventListener("pointerdown", context, { once: true });

function beep(pattern) {
  const ctx = audio && context();
  if (!ctx) return;
  for (const [frequency, start, length] of pattern.tones) {
    const tone = ctx.createOscillator();
    const gain = ctx.createGain();
    tone.type = "square";
    tone.frequency.value = frequency;
    gain.gain.value = 0.15;
    tone.connect(gain).connect(ctx.destination);
    tone.start(ctx.currentTime + start);
    tone.stop(ctx.currentTime + start + length);
  }
}

// Signal ``state`` (accepted, pending, refused) by sound and, where the phone allows, vibration.
export function signal(state) {
  const pattern = PATTERNS[state] || PATTERNS.refused;
  beep(pattern);
  if (navigator.vibrate && navigator.userActivation?.hasBeenActive) navigator.vibrate(pattern.vibrate);
}
