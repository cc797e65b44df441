// Plays a piece's notes with Web Audio (a soft triangle voice per note, a noise tick per drum
// hit); `serenadePlayer.render(i)` renders one offline (tests).
const pieces = JSON.parse(document.getElementById('pieces').textContent);
let playing = null;
function schedule(ctx, notes, t0) {
  const out = ctx.createGain();
  out.gain.value = 0.25;
  out.connect(ctx.destination);
  for (const [start, end, pitch, velocity, drum] of notes) {
    const t = t0 + start, level = velocity / 127;
    const gain = ctx.createGain();
    gain.connect(out);
    if (drum) {
      const noise = ctx.createBuffer(1, Math.ceil(ctx.sampleRate * 0.12), ctx.sampleRate);
      const data = noise.getChannelData(0);
      for (let i = 0; i < data.length; i++) {
        data[i] = (Math.random() * 2 - 1) * (1 - i / data.length);
      }
      const source = ctx.createBufferSource();
      source.buffer = noise;
      gain.gain.value = level * (pitch < 40 ? 1.0 : 0.5);
      source.connect(gain);
      source.start(t);
    } else {
      const voice = ctx.createOscillator();
      voice.type = 'triangle';
      voice.frequency.value = 440 * Math.pow(2, (pitch - 69) / 12);
      const stop = Math.max(end, start + 0.05) + t0;
      gain.gain.setValueAtTime(0, t);
      gain.gain.linearRampToValueAtTime(level, t + 0.01);
      gain.gain.setTargetAtTime(level * 0.6, t + 0.01, 0.1);
      gain.gain.setTargetAtTime(0, stop, 0.08);
      voice.connect(gain);
      voice.start(t);
      voice.stop(stop + 0.5);
    }
  }
}
function length(notes) { return notes.reduce((end, n) => Math.max(end, n[1]), 0) + 0.6; }
function play(i) {
  if (playing) playing.close();
  playing = new AudioContext();
  schedule(playing, pieces[i], playing.currentTime + 0.05);
}
function stop() { if (playing) { playing.close(); playing = null; } }
function render(i, sampleRate = 22050) {
  const ctx = new OfflineAudioContext(1, Math.ceil(length(pieces[i]) * sampleRate), sampleRate);
  schedule(ctx, pieces[i], 0);
  return ctx.startRendering();
}
window.serenadePlayer = {pieces, play, stop, render};
