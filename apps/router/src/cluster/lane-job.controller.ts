import { Controller, Inject, type Type } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { FollowerCore, type LaneAnswer, type NodeCore } from '@lifeline/engine';
import { Lifeline } from '../lifeline';
import { laneJobSubject } from './bus-messages';

/**
 * A follower's side of the lane jobs: the jobs the active node sends to this node's subject, each
 * carried out and answered (`LaneWorker`; it parses the job itself). A controller per node, since
 * the subject is the node's own.
 */
export function laneJobController(node: string): Type {
  @Controller()
  class LaneJobController {
    constructor(@Inject(Lifeline) private readonly lifeline: Lifeline<NodeCore>) {}

    @MessagePattern(laneJobSubject(node))
    run(@Payload() data: unknown): Promise<LaneAnswer> | LaneAnswer {
      const core = this.lifeline.core;
      const worker = core instanceof FollowerCore ? core.lanes : null;
      return worker ? worker.run(data) : { ok: false, code: 'moved', message: 'this node carries out no lanes (it is active, or was built without them)' };
    }
  }
  return LaneJobController;
}
