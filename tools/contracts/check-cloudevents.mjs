// Construct every event in the given JSON files (each an event or a list of events) with
// the CloudEvents JS SDK in strict mode, which refuses an illegal event; exit 1 if any is.
//   node tools/contracts/check-cloudevents.mjs events.json
import { readFileSync } from 'node:fs';
import { CloudEvent } from 'cloudevents';

let bad = 0;
let good = 0;
for (const file of process.argv.slice(2)) {
  const parsed = JSON.parse(readFileSync(file, 'utf8'));
  for (const event of Array.isArray(parsed) ? parsed : [parsed]) {
    try {
      const made = new CloudEvent(event, true);
      made.validate();
      good += 1;
    } catch (error) {
      bad += 1;
      console.log(`refused ${event.type} ${event.id}: ${error.message} ${JSON.stringify(error.errors ?? '')}`);
    }
  }
}
console.log(`cloudevents: ${good} accepted, ${bad} refused`);
process.exit(bad ? 1 : 0);
