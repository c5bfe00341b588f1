import { createMemoryBroker, createMemoryBus, type MemoryBroker } from '../src/index.js';
import { busContract } from './support/bus-contract.js';

let broker: MemoryBroker = createMemoryBroker();

busContract({
  name: 'memory',
  async setup() {},
  async reset() {
    broker = createMemoryBroker();
  },
  connect: async () => createMemoryBus({ broker }),
  async dispose() {},
});
