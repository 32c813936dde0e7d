//! Pure graph code over tasks numbered `0..n`: topological levels, cycle
//! detection that names the cycle, and ancestor sets. Knows nothing about
//! workflows, YAML or execution.

/// A directed acyclic graph given as, for each node, the nodes it depends on.
#[derive(Clone, Debug)]
pub struct Dag {
    needs: Vec<Vec<usize>>,
    dependents: Vec<Vec<usize>>,
}

impl Dag {
    /// Builds the graph, or returns the first cycle found as a path of nodes
    /// that starts and ends with the same node (`a -> b -> a`).
    pub fn new(needs: Vec<Vec<usize>>) -> Result<Dag, Vec<usize>> {
        if let Some(cycle) = find_cycle(&needs) {
            return Err(cycle);
        }
        let mut dependents = vec![Vec::new(); needs.len()];
        for (node, ns) in needs.iter().enumerate() {
            for &n in ns {
                dependents[n].push(node);
            }
        }
        Ok(Dag { needs, dependents })
    }

    pub fn len(&self) -> usize {
        self.needs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.needs.is_empty()
    }

    pub fn needs(&self, node: usize) -> &[usize] {
        &self.needs[node]
    }

    pub fn dependents(&self, node: usize) -> &[usize] {
        &self.dependents[node]
    }

    /// Nodes grouped by depth: level 0 needs nothing, level k needs something
    /// at level k-1. Within a level, nodes keep their numbering order.
    pub fn levels(&self) -> Vec<Vec<usize>> {
        let mut depth = vec![0usize; self.len()];
        for node in self.topological_order() {
            depth[node] = self.needs[node]
                .iter()
                .map(|&n| depth[n] + 1)
                .max()
                .unwrap_or(0);
        }
        let max = depth.iter().copied().max().map_or(0, |d| d + 1);
        let mut levels = vec![Vec::new(); max];
        for (node, d) in depth.into_iter().enumerate() {
            levels[d].push(node);
        }
        levels
    }

    /// Every node once, each after all the nodes it needs.
    pub fn topological_order(&self) -> Vec<usize> {
        let mut indegree: Vec<usize> = self.needs.iter().map(Vec::len).collect();
        let mut ready: std::collections::VecDeque<usize> =
            (0..self.len()).filter(|&n| indegree[n] == 0).collect();
        let mut order = Vec::with_capacity(self.len());
        while let Some(n) = ready.pop_front() {
            order.push(n);
            for &d in &self.dependents[n] {
                indegree[d] -= 1;
                if indegree[d] == 0 {
                    ready.push_back(d);
                }
            }
        }
        order
    }

    /// Every node `node` depends on, directly or through others.
    pub fn ancestors(&self, node: usize) -> Vec<bool> {
        self.reach(node, &self.needs)
    }

    /// Every node that depends on `node`, directly or through others.
    pub fn descendants(&self, node: usize) -> Vec<bool> {
        self.reach(node, &self.dependents)
    }

    fn reach(&self, node: usize, edges: &[Vec<usize>]) -> Vec<bool> {
        let mut seen = vec![false; self.len()];
        let mut stack = edges[node].clone();
        while let Some(n) = stack.pop() {
            if !seen[n] {
                seen[n] = true;
                stack.extend_from_slice(&edges[n]);
            }
        }
        seen
    }
}

/// Depth-first search with colours; returns the first cycle as a closed path.
/// Nodes referring to indexes out of range are ignored (validation reports them).
fn find_cycle(needs: &[Vec<usize>]) -> Option<Vec<usize>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Colour {
        White,
        Grey,
        Black,
    }
    let mut colour = vec![Colour::White; needs.len()];
    for start in 0..needs.len() {
        if colour[start] != Colour::White {
            continue;
        }
        // Iterative DFS: (node, next edge index); `path` mirrors the stack.
        let mut stack = vec![(start, 0usize)];
        colour[start] = Colour::Grey;
        while let Some(&mut (node, ref mut edge)) = stack.last_mut() {
            if let Some(&next) = needs[node].get(*edge) {
                *edge += 1;
                if next >= needs.len() {
                    continue;
                }
                match colour[next] {
                    Colour::White => {
                        colour[next] = Colour::Grey;
                        stack.push((next, 0));
                    }
                    Colour::Grey => {
                        let from = stack.iter().position(|&(n, _)| n == next)?;
                        let mut cycle: Vec<usize> = stack[from..].iter().map(|&(n, _)| n).collect();
                        cycle.push(next);
                        // `needs` edges point backwards; show the order work flows in.
                        cycle.reverse();
                        return Some(cycle);
                    }
                    Colour::Black => {}
                }
            } else {
                colour[node] = Colour::Black;
                stack.pop();
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diamond_has_three_levels() {
        // 0 <- 1, 0 <- 2, (1,2) <- 3
        let dag = Dag::new(vec![vec![], vec![0], vec![0], vec![1, 2]]).unwrap();
        assert_eq!(dag.levels(), vec![vec![0], vec![1, 2], vec![3]]);
        assert_eq!(dag.topological_order(), vec![0, 1, 2, 3]);
        assert_eq!(dag.ancestors(3), vec![true, true, true, false]);
        assert_eq!(dag.descendants(1), vec![false, false, false, true]);
        assert_eq!(dag.dependents(0), &[1, 2]);
    }

    #[test]
    fn a_cycle_is_reported_as_a_closed_path() {
        // a(0) needs c(2), b(1) needs a(0), c(2) needs b(1): a -> b -> c -> a
        let cycle = Dag::new(vec![vec![2], vec![0], vec![1]]).unwrap_err();
        assert_eq!(cycle.first(), cycle.last());
        assert_eq!(cycle.len(), 4);
        let mut nodes = cycle[..3].to_vec();
        nodes.sort();
        assert_eq!(nodes, vec![0, 1, 2]);
        // each step goes from a task to one that needs it
        let needs = [vec![2], vec![0], vec![1]];
        for w in cycle.windows(2) {
            assert!(needs[w[1]].contains(&w[0]), "{cycle:?}");
        }
    }

    #[test]
    fn a_self_loop_is_a_cycle() {
        assert_eq!(Dag::new(vec![vec![0]]).unwrap_err(), vec![0, 0]);
    }

    #[test]
    fn the_empty_graph_has_no_levels() {
        let dag = Dag::new(vec![]).unwrap();
        assert!(dag.levels().is_empty());
        assert!(dag.is_empty());
    }
}
