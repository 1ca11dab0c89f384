// The twin's timeline: follow the live step, or pick any completed step (scrub), play from it at a speed,
// pause. The cursor logic is pure (`Cursor`); `Timeline` binds it to the range input and buttons.

export const SPEEDS = [1, 6, 24, 168]; // steps per tick of the player
export const TICK_MS = 200;

export class Cursor {
  constructor() {
    this.step = -1; // -1: follow the latest completed step
    this.playing = false;
    this.speed = SPEEDS[1];
  }

  /** The step shown, given the completed steps `filled`. */
  shown(filled) {
    if (filled <= 0) return -1;
    return this.step < 0 ? filled - 1 : Math.min(this.step, filled - 1);
  }

  get live() {
    return this.step < 0;
  }

  scrub(step, filled) {
    if (filled <= 0) return;
    const s = Math.max(0, Math.min(Math.round(step), filled - 1));
    this.step = s;
  }

  follow() {
    this.step = -1;
    this.playing = false;
  }

  play(filled) {
    if (filled <= 0) return;
    if (this.step < 0 || this.step >= filled - 1) this.step = 0; // from the start when at the end
    this.playing = true;
  }

  pause(filled) {
    if (this.step < 0) this.step = Math.max(0, filled - 1);
    this.playing = false;
  }

  /** One tick of the player; at the last completed step it stops there (live runs keep growing). */
  tick(filled) {
    if (!this.playing || filled <= 0) return false;
    const next = this.step + this.speed;
    if (next >= filled - 1) {
      this.step = filled - 1;
      this.playing = false;
    } else this.step = next;
    return true;
  }
}

/** "2025-01-01 13:00" of a step on the region's clock (startMs encodes the region's wall clock as UTC). */
export function stepLabel(startMs, stepMs, step) {
  if (step < 0) return "—";
  const d = new Date(startMs + step * stepMs);
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`;
}

export class Timeline {
  /** els: {range, play, live, speed, label}; stream: RunStream; onStep(step) redraws */
  constructor(els, stream, T, onStep) {
    this.els = els;
    this.stream = stream;
    this.T = T;
    this.onStep = onStep;
    this.cursor = new Cursor();
    this.timer = null;
    els.range.addEventListener("input", () => {
      this.cursor.playing = false;
      this.cursor.scrub(Number(els.range.value), this.stream.filled);
      this.changed();
    });
    els.play.addEventListener("click", () => {
      if (this.cursor.playing) this.cursor.pause(this.stream.filled);
      else this.cursor.play(this.stream.filled);
      this.changed();
    });
    els.live.addEventListener("click", () => {
      this.cursor.follow();
      this.changed();
    });
    els.speed.addEventListener("change", () => {
      this.cursor.speed = Number(els.speed.value) || SPEEDS[0];
    });
    this.cursor.speed = Number(els.speed.value) || SPEEDS[1];
  }

  get step() {
    return this.cursor.shown(this.stream.filled);
  }

  changed() {
    this.sync();
    if (this.cursor.playing && !this.timer) {
      this.timer = setInterval(() => {
        if (!this.cursor.tick(this.stream.filled)) this.stopTimer();
        this.sync();
        this.onStep(this.step);
        if (!this.cursor.playing) this.stopTimer();
      }, TICK_MS);
    }
    if (!this.cursor.playing) this.stopTimer();
    this.onStep(this.step);
  }

  stopTimer() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.sync();
  }

  /** Range limits, value, labels and pressed states from the stream and the cursor (called per draw). */
  sync() {
    const s = this.stream;
    const { range, play, live, label } = this.els;
    const max = Math.max(0, s.filled - 1);
    range.max = String(max);
    range.disabled = s.filled <= 0;
    const step = this.step;
    range.value = String(Math.max(0, step));
    const text = stepLabel(s.startMs, s.stepMs, step);
    range.setAttribute("aria-valuetext", text);
    label.textContent = step < 0 ? "—" : `${text} · ${this.T.step || "step"} ${step + 1} / ${s.run.total_steps || s.filled}`;
    play.textContent = this.cursor.playing ? this.T.pause_playback : this.T.play;
    play.setAttribute("aria-pressed", this.cursor.playing ? "true" : "false");
    live.setAttribute("aria-pressed", this.cursor.live ? "true" : "false");
    live.classList.toggle("active", this.cursor.live);
  }
}
